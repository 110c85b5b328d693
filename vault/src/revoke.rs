//! Revocation: of a secret (in one scope or all), a lease, everything of a user or of a
//! tenant. Each holds at once for every process: reads go to the store.

use super::db::p;
use super::store::{now_ms, Scope, Vault};
use super::VaultError;

impl Vault {
    /// Revokes every version of secret `id` of `tenant`, in every scope (tenant-wide and every
    /// user's), and every lease of it. Returns how many versions were live. To revoke one
    /// scope's, see [`Vault::revoke_secret_in`].
    pub fn revoke_secret(&self, tenant: &str, id: &str) -> Result<usize, VaultError> {
        let now = now_ms();
        self.write(|c| {
            let n = c.exec(
                "UPDATE secrets SET revoked = ?3 WHERE tenant = ?1 AND id = ?2 AND revoked IS NULL",
                p![tenant, id, now / 1000],
            )?;
            c.exec(
                "UPDATE leases SET revoked = ?3 WHERE tenant = ?1 AND secret = ?2 AND revoked IS NULL",
                p![tenant, id, now],
            )?;
            Ok(n as usize)
        })
        .inspect(|_| self.forget_rows(tenant, Some(id)))
    }

    /// Revokes the live versions of secret `id` of `tenant` stored in one `scope` (tenant-wide,
    /// or one user's), and their leases; other scopes' versions of the same id stay. Returns
    /// how many versions were live.
    pub fn revoke_secret_in(&self, tenant: &str, id: &str, scope: &Scope) -> Result<usize, VaultError> {
        let owner = match scope {
            Scope::Tenant => "",
            Scope::User(u) => u.as_str(),
        };
        let now = now_ms();
        self.write(|c| {
            c.exec(
                "UPDATE leases SET revoked = ?4 WHERE tenant = ?1 AND secret = ?2 AND revoked IS NULL
                 AND version IN (SELECT version FROM secrets WHERE tenant = ?1 AND id = ?2 AND owner = ?3)",
                p![tenant, id, owner, now],
            )?;
            let n = c.exec(
                "UPDATE secrets SET revoked = ?4 WHERE tenant = ?1 AND id = ?2 AND owner = ?3 AND revoked IS NULL",
                p![tenant, id, owner, now / 1000],
            )?;
            Ok(n as usize)
        })
        .inspect(|_| self.forget_rows(tenant, Some(id)))
    }

    /// The scopes in which secret `id` of `tenant` has live versions, tenant-wide first, then
    /// users by name.
    pub fn secret_scopes(&self, tenant: &str, id: &str) -> Result<Vec<Scope>, VaultError> {
        let rows = self.run(|c| {
            c.rows(
                "SELECT DISTINCT owner FROM secrets WHERE tenant = ?1 AND id = ?2 AND revoked IS NULL ORDER BY owner",
                p![tenant, id],
            )
        })?;
        rows.iter().map(|r| r.text(0).map(|o| if o.is_empty() { Scope::Tenant } else { Scope::User(o) })).collect()
    }

    /// Revokes one lease.
    pub fn revoke_lease(&self, lease_id: &str) -> Result<bool, VaultError> {
        let n = self.run(|c| {
            c.exec("UPDATE leases SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL", p![lease_id, now_ms()])
        })?;
        Ok(n > 0)
    }

    /// Revokes everything of one user of a tenant (their secrets, the leases they hold, their
    /// API keys), or with `user` `None` everything of the tenant. One transaction.
    pub fn revoke_all(&self, tenant: &str, user: Option<&str>) -> Result<(), VaultError> {
        let now = now_ms();
        self.write(|tx| {
            match user {
                Some(u) => {
                    tx.exec(
                        "UPDATE secrets SET revoked = ?3 WHERE tenant=?1 AND owner=?2 AND revoked IS NULL",
                        p![tenant, u, now / 1000],
                    )?;
                    tx.exec(
                        "UPDATE leases SET revoked = ?3 WHERE tenant=?1 AND holder=?2 AND revoked IS NULL",
                        p![tenant, u, now],
                    )?;
                    tx.exec(
                        "UPDATE api_keys SET revoked = ?3 WHERE tenant=?1 AND \"user\"=?2 AND revoked IS NULL",
                        p![tenant, u, now],
                    )?;
                }
                None => {
                    tx.exec(
                        "UPDATE secrets SET revoked = ?2 WHERE tenant=?1 AND revoked IS NULL",
                        p![tenant, now / 1000],
                    )?;
                    tx.exec("UPDATE leases SET revoked = ?2 WHERE tenant=?1 AND revoked IS NULL", p![tenant, now])?;
                    tx.exec("UPDATE api_keys SET revoked = ?2 WHERE tenant=?1 AND revoked IS NULL", p![tenant, now])?;
                }
            }
            Ok(())
        })?;
        self.keys.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.forget_rows(tenant, None);
        Ok(())
    }
}

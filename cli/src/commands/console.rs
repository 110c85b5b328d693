//! `dlpjet console invite`: a one-time sign-in link for the gateway's web console.

use crate::args::{ConsoleArgs, ConsoleCommand};
use anyhow::{bail, Context};
use dlpjet_gateway::config::Config;
use dlpjet_gateway::console::Store;
use dlpjet_vault::Role;

pub fn run(a: ConsoleArgs) -> anyhow::Result<u8> {
    match a.command {
        ConsoleCommand::Invite { config, tenant, role, email } => {
            let c = Config::load(&config)?;
            let Some(console) = &c.console else {
                bail!("{}: no [console] section: the console is off", config.display());
            };
            let role = Role::parse(&role)?;
            let store =
                Store::open(&console.state).with_context(|| format!("console state {}", console.state.display()))?;
            let token = store.invite(&email, &tenant, role, console.invite_lifetime())?;
            println!("{}/invite/{token}", console.base_url(c.tls.cert_file.is_some()));
            if console.public_url.is_none() && console.listen.port() == 0 {
                eprintln!(
                    "dlpjet: [console] listen asks for any free port: put the port the gateway printed in the link, \
                     or set console.public_url"
                );
            }
            eprintln!(
                "dlpjet: this link signs {email} in once as {} of {tenant}, within {} hours",
                role.as_str(),
                console.invite_hours
            );
            Ok(0)
        }
    }
}

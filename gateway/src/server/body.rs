//! Reading a request body within the configured size, time and inflation limits.

use super::reply::{self, Body, Dialect};
use super::Gateway;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::CONTENT_ENCODING;
use hyper::{Request, Response, StatusCode};
use std::io::Read;

impl Gateway {
    pub(super) async fn read_body(
        &self,
        req: Request<Incoming>,
        lim: &crate::config::Limits,
        dialect: Dialect,
    ) -> Result<Bytes, Response<Body>> {
        let encoding = req.headers().get(CONTENT_ENCODING).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
        let too_large = || {
            reply::error(
                dialect,
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request_error",
                "body_too_large",
                &format!("request body larger than {} bytes", lim.max_body_bytes),
            )
        };
        let collected =
            tokio::time::timeout(lim.body_timeout(), Limited::new(req.into_body(), lim.max_body_bytes).collect()).await;
        let raw = match collected {
            Err(_) => {
                return Err(reply::error(
                    dialect,
                    StatusCode::REQUEST_TIMEOUT,
                    "invalid_request_error",
                    "body_timeout",
                    "request body not received in time",
                ))
            }
            Ok(Err(e)) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => return Err(too_large()),
            Ok(Err(_)) => {
                return Err(reply::error(
                    dialect,
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    "body_unreadable",
                    "request body could not be read",
                ))
            }
            Ok(Ok(b)) => b.to_bytes(),
        };
        let inflate = |r: &mut dyn Read| -> Result<Bytes, Response<Body>> {
            let cap = lim.max_body_bytes.min(raw.len().saturating_mul(lim.max_inflate_ratio).max(1024));
            let mut out = Vec::new();
            let read = r.take(cap as u64 + 1).read_to_end(&mut out);
            match read {
                Err(_) => Err(reply::error(
                    dialect,
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    "bad_encoding",
                    "request body could not be decompressed",
                )),
                Ok(_) if out.len() > cap => Err(reply::error(
                    dialect,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "invalid_request_error",
                    "inflate_limit",
                    "decompressed request body too large or too compressible",
                )),
                Ok(_) => Ok(Bytes::from(out)),
            }
        };
        match encoding.as_deref() {
            None | Some("identity") => Ok(raw),
            Some("gzip") => inflate(&mut flate2::read::GzDecoder::new(&raw[..])),
            Some("deflate") => inflate(&mut flate2::read::ZlibDecoder::new(&raw[..])),
            Some(other) => Err(reply::error(
                dialect,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid_request_error",
                "unsupported_encoding",
                &format!("content encoding {other:?} is not supported (gzip, deflate)"),
            )),
        }
    }
}

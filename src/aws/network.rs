//! The HTTP client of every AWS call (portal, OIDC, login), configured in
//! one place as the AWS CLI configures its own:
//!
//! - proxies from `HTTPS_PROXY` (https URLs), `HTTP_PROXY` (http URLs),
//!   `ALL_PROXY`, and `NO_PROXY` bypass rules (each also lower-case); an
//!   https URL goes through the proxy as a `CONNECT` tunnel;
//! - the CA bundle of `AWS_CA_BUNDLE`, else `ca_bundle` of the profile
//!   (`AWS_PROFILE`, else `default`) in the config file, in place of the
//!   system's trusted roots.
//!
//! The SDK's own default client reads neither, so every client is built
//! with [`http_client`].

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aws_sdk_sso::config::SharedHttpClient;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, Connector};
use aws_smithy_runtime_api::client::http::HttpConnectorSettings;

use super::config::{AwsFile, FileKind};

/// Where the CA bundle came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleSource {
    /// The `AWS_CA_BUNDLE` variable.
    Environment,
    /// `ca_bundle` of a profile, at this line of the config file.
    Config { config: PathBuf, line: usize },
}

/// A CA bundle that cannot be used. Names the file and where it was named.
#[derive(Debug, thiserror::Error)]
#[error("{where_}: CA bundle {}: {reason}; fix the path or unset it", path.display())]
pub struct BundleError {
    where_: String,
    path: PathBuf,
    reason: String,
}

static CLIENT: OnceLock<SharedHttpClient> = OnceLock::new();
static TLS: OnceLock<TlsContext> = OnceLock::new();

/// Reads the CA bundle for this process (`AWS_CA_BUNDLE`, else the
/// `ca_bundle` of profile `aws_profile` or `default` in `config`) and makes
/// the client [`http_client`] returns. A config file that cannot be read is
/// left to the commands that read it.
///
/// Errors: the bundle cannot be read, or holds no valid PEM certificate.
pub fn configure(config: &Path, aws_profile: Option<&str>) -> Result<(), BundleError> {
    let bundle = match std::env::var_os("AWS_CA_BUNDLE").filter(|v| !v.is_empty()) {
        Some(path) => Some((PathBuf::from(path), BundleSource::Environment)),
        None => AwsFile::load_optional(config, FileKind::Config)
            .ok()
            .flatten()
            .and_then(|file| {
                let profile = file.profile(aws_profile.unwrap_or("default"))?;
                let entry = profile
                    .entries
                    .iter()
                    .chain(&profile.inherited)
                    .find(|e| e.key == "ca_bundle" && !e.value.is_empty())?;
                Some((
                    PathBuf::from(&entry.value),
                    BundleSource::Config {
                        config: config.to_path_buf(),
                        line: entry.line,
                    },
                ))
            }),
    };
    let trust = match bundle {
        None => TrustStore::default(),
        Some((path, source)) => {
            TrustStore::empty().with_pem_certificate(read_bundle(&path, &source)?)
        }
    };
    let _ = TLS.set(tls_context(trust));
    let _ = CLIENT.set(build());
    Ok(())
}

/// The client every SDK client uses: the one [`configure`] made, else one
/// with the environment's proxies and the system's trusted roots.
pub fn http_client() -> SharedHttpClient {
    CLIENT.get_or_init(build).clone()
}

/// A bare connector with the same proxies and trusted roots as
/// [`http_client`], for the few calls that are not SDK operations (the
/// console's federation endpoint). `settings` sets its timeouts.
pub fn connector(settings: HttpConnectorSettings) -> Connector {
    connector_with(Some(&settings), None)
}

/// Why a [`post`] got no answer: the reason from the HTTP client, or
/// [`PostError::Timeout`]. Never carries the request or the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostError {
    /// The request could not be built or sent, or the answer not read.
    Unreachable(String),
    /// No whole answer within the call's timeout.
    Timeout,
}

/// One `POST url` with `headers` and `body` through [`connector`]
/// (connect timeout 10 s), the whole call, answer body included, within
/// `timeout`. `Ok` is the status and the body, whatever the status.
///
/// Errors: [`PostError`].
pub async fn post(
    url: &str,
    headers: &[(&'static str, String)],
    body: String,
    timeout: std::time::Duration,
) -> Result<(u16, Vec<u8>), PostError> {
    use aws_smithy_runtime_api::client::http::HttpConnector as _;
    let unreachable = |e: &(dyn std::error::Error + 'static)| {
        PostError::Unreachable(crate::output::error_chain(e))
    };
    let mut request =
        aws_smithy_runtime_api::http::Request::new(aws_smithy_types::body::SdkBody::from(body));
    request.set_method("POST").map_err(|e| unreachable(&e))?;
    request.set_uri(url).map_err(|e| unreachable(&e))?;
    for (name, value) in headers {
        request.headers_mut().insert(*name, value.clone());
    }
    let settings = HttpConnectorSettings::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .read_timeout(timeout)
        .build();
    let connector = connector(settings);
    let call = async {
        let response = connector.call(request).await.map_err(|e| unreachable(&e))?;
        let status = response.status().as_u16();
        let bytes = aws_smithy_types::byte_stream::ByteStream::new(response.into_body())
            .collect()
            .await
            .map_err(|e| unreachable(&e))?
            .into_bytes();
        Ok((status, bytes.to_vec()))
    };
    tokio::time::timeout(timeout, call)
        .await
        .map_err(|_| PostError::Timeout)?
}

fn tls_context(trust: TrustStore) -> TlsContext {
    TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a TLS context without extra server names always builds")
}

fn connector_with(
    settings: Option<&HttpConnectorSettings>,
    sleep: Option<aws_sdk_sso::config::SharedAsyncSleep>,
) -> Connector {
    let context = TLS.get_or_init(|| tls_context(TrustStore::default()));
    let mut connector = Connector::builder();
    if let Some(settings) = settings {
        connector = connector.connector_settings(settings.clone());
    }
    if let Some(sleep) = sleep {
        connector = connector.sleep_impl(sleep);
    }
    connector
        .proxy_config(ProxyConfig::from_env())
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(context.clone())
        .build()
}

fn build() -> SharedHttpClient {
    Builder::new().build_with_connector_fn(move |settings, components| {
        connector_with(settings, components.and_then(|c| c.sleep_impl()))
    })
}

/// The bundle's bytes, checked as the TLS library will load them (it
/// panics on a bad certificate, so a bad bundle is refused here).
fn read_bundle(path: &Path, source: &BundleSource) -> Result<Vec<u8>, BundleError> {
    use rustls_pki_types::pem::PemObject;
    let fail = |reason: String| BundleError {
        where_: match source {
            BundleSource::Environment => "AWS_CA_BUNDLE".to_string(),
            BundleSource::Config { config, line } => {
                format!("{}:{line}: ca_bundle", config.display())
            }
        },
        path: path.to_path_buf(),
        reason,
    };
    let bytes = crate::file_kind::read(path).map_err(|e| fail(format!("cannot read it ({e})")))?;
    let certs = rustls_pki_types::CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(format!("not PEM certificates ({e})")))?;
    if certs.is_empty() {
        return Err(fail("holds no PEM certificate".to_string()));
    }
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| fail(format!("holds a certificate that cannot be used ({e})")))?;
    }
    Ok(bytes)
}

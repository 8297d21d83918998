//! Proxies and CA bundles as the AWS CLI honours them: the real binary
//! against the simulator through a forward proxy bound to 127.0.0.1.

mod common;

use std::process::Output;
use std::sync::{Arc, Mutex};

use common::DemoHome;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A plain-HTTP forward proxy: records the request line of each
/// connection's first request, then relays the connection to the host the
/// absolute-form URL names.
struct Proxy {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

async fn proxy() -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            let record = record.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match client.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                let line = text.lines().next().unwrap_or_default().to_string();
                record.lock().unwrap().push(line.clone());
                let target = line.split(' ').nth(1).unwrap_or_default();
                let authority = target
                    .strip_prefix("http://")
                    .and_then(|rest| rest.split('/').next())
                    .unwrap_or_default()
                    .to_string();
                let Ok(mut upstream) = TcpStream::connect(authority).await else {
                    return;
                };
                if upstream.write_all(&head).await.is_err() {
                    return;
                }
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    Proxy { url, seen }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_calls_go_through_http_proxy_and_no_proxy_bypasses_it() {
    let demo = DemoHome::new(5, 20).await;
    let proxy = proxy().await;
    let out = demo.run_with(&["list"], &[("HTTP_PROXY", &proxy.url)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let seen = proxy.seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|l| l.starts_with(&format!("POST {}/", demo.sim.endpoint()))
                || l.starts_with(&format!("GET {}/", demo.sim.endpoint()))),
        "the proxy saw {seen:?}"
    );
    let before = seen.len();

    for (var, value) in [
        ("NO_PROXY", "127.0.0.1"),
        ("no_proxy", "127.0.0.1,example.com"),
    ] {
        let out = demo.run_with(&["list"], &[("http_proxy", &proxy.url), (var, value)]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(
            proxy.seen.lock().unwrap().len(),
            before,
            "{var} did not bypass the proxy"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_proxy_is_one_line_naming_the_portal() {
    let demo = DemoHome::new(3, 20).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = demo.run_with(
        &["list"],
        &[("HTTP_PROXY", &format!("http://127.0.0.1:{port}"))],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("cannot reach {}", demo.sim.endpoint())),
        "{err}"
    );
    assert!(err.contains("HTTPS_PROXY"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_ca_bundle_is_one_line_naming_where_it_was_set() {
    let demo = DemoHome::new(3, 20).await;
    let missing = demo.home.path().join("missing.pem");
    let out = demo.run_with(&["list"], &[("AWS_CA_BUNDLE", missing.to_str().unwrap())]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("AWS_CA_BUNDLE: CA bundle"), "{err}");
    assert!(err.contains("missing.pem: cannot read it"), "{err}");

    let junk = demo.home.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").unwrap();
    let config = &demo.paths().config;
    let mut text = std::fs::read_to_string(config).unwrap();
    text.push_str(&format!("\n[default]\nca_bundle = {}\n", junk.display()));
    let line = text
        .lines()
        .position(|l| l.starts_with("ca_bundle"))
        .unwrap()
        + 1;
    std::fs::write(config, text).unwrap();
    let out = demo.run_with(&["list"], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "{}:{line}: ca_bundle: CA bundle",
            config.display()
        )),
        "{err}"
    );
    assert!(err.contains("holds no PEM certificate"), "{err}");
}

//! The client's address, for throttling and the audit log.
//!
//! It is the socket's peer address. `X-Forwarded-For` is only believed when the peer is one of the
//! configured trusted proxies (`TRUSTED_PROXIES`), and then the right-most address that is not itself
//! a trusted proxy is taken: anything further left was written by the client and proves nothing.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use http::request::Parts;

use super::state::AppState;

/// Extractor for the client's address (see [`client_address`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_address(parts, &state.trusted_proxies)))
    }
}

/// The address of the client that sent the request described by `parts`.
pub fn client_address(parts: &Parts, trusted_proxies: &[IpAddr]) -> IpAddr {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| addr.ip());
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    forwarded.into_iter().rev().find(|hop| !trusted_proxies.contains(hop)).unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(peer: &str, forwarded: Option<&str>) -> Parts {
        let mut request = http::Request::builder();
        if let Some(value) = forwarded {
            request = request.header("x-forwarded-for", value);
        }
        let (mut parts, ()) = request.body(()).unwrap().into_parts();
        parts.extensions.insert(ConnectInfo::<SocketAddr>(format!("{peer}:4000").parse().unwrap()));
        parts
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_socket_address_wins_by_default() {
        assert_eq!(client_address(&parts("203.0.113.9", Some("1.2.3.4")), &[]), ip("203.0.113.9"));
    }

    #[test]
    fn a_trusted_proxy_forwards_the_right_most_untrusted_hop() {
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        let request = parts("10.0.0.1", Some("6.6.6.6, 198.51.100.7, 10.0.0.2"));
        assert_eq!(client_address(&request, &proxies), ip("198.51.100.7"));
        // Nothing usable forwarded: the proxy itself.
        assert_eq!(client_address(&parts("10.0.0.1", Some("garbage")), &proxies), ip("10.0.0.1"));
    }

    #[test]
    fn without_connection_info_the_address_is_unspecified() {
        let (parts, ()) = http::Request::builder().body(()).unwrap().into_parts();
        assert_eq!(client_address(&parts, &[]), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }
}

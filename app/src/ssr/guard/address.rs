//! The client's address, for throttling and the audit log, and the device a request comes from.
//!
//! It is the socket's peer address. `X-Forwarded-For` is only believed when the peer is inside one
//! of the configured trusted proxy ranges (`TRUSTED_PROXIES`). Its hops are then walked from the
//! right: each trusted proxy vouches for the hop to its left, and the first hop that is not a
//! trusted proxy is the client. Hops may carry a port (`203.0.113.9:4711`, `[2001:db8::1]:443`).
//! A hop that is not an address (`unknown`, garbage) ends the walk: the client is then the last
//! address that could be believed, and nothing a client wrote further left is ever used.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use axum::extract::ConnectInfo;
use http::HeaderMap;
use http::request::Parts;
use ipnet::IpNet;

/// Longest user agent kept (the sessions' column allows 300).
const USER_AGENT_MAX_CHARS: usize = 300;

/// Where a sign-in comes from, as the session list shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Device {
    /// The client's address.
    pub address: Option<IpAddr>,
    /// Its `User-Agent`, cut to 300 characters.
    pub user_agent: Option<String>,
}

impl Device {
    /// The device sending `headers` from `address`.
    pub fn new(headers: &HeaderMap, address: IpAddr) -> Self {
        let user_agent = headers
            .get(http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| {
                agent.chars().filter(|c| !c.is_control()).take(USER_AGENT_MAX_CHARS).collect::<String>()
            })
            .filter(|agent| !agent.trim().is_empty());
        Device { address: Some(address), user_agent }
    }
}

/// The socket's peer: the client, or the proxy in front of it (`None` without connection info).
pub fn peer_address(extensions: &http::Extensions) -> Option<IpAddr> {
    extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_canonical())
}

/// Whether `address` is inside one of the trusted proxy ranges (`TRUSTED_PROXIES`).
pub fn is_trusted_proxy(address: &IpAddr, trusted_proxies: &[IpNet]) -> bool {
    trusted_proxies.iter().any(|range| range.contains(address))
}

/// The address of the client that sent the request described by `parts`.
pub fn client_address(parts: &Parts, trusted_proxies: &[IpNet]) -> IpAddr {
    let trusted = |address: &IpAddr| is_trusted_proxy(address, trusted_proxies);
    let peer = peer_address(&parts.extensions).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if !trusted(&peer) {
        return peer;
    }
    // Header lines in order, each split into hops; a line that is not text is one unreadable hop.
    let hops: Vec<Option<&str>> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| match value.to_str() {
            Ok(text) => text.split(',').map(Some).collect::<Vec<_>>(),
            Err(_) => vec![None],
        })
        .collect();
    let mut believed = peer;
    for hop in hops.into_iter().rev() {
        let Some(address) = hop.and_then(parse_hop) else {
            return believed;
        };
        if !trusted(&address) {
            return address;
        }
        believed = address;
    }
    believed
}

/// One `X-Forwarded-For` hop: an address, with or without a port (`[v6]:port` for IPv6).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    let address = IpAddr::from_str(hop)
        .ok()
        .or_else(|| SocketAddr::from_str(hop).ok().map(|socket| socket.ip()))
        .or_else(|| hop.strip_prefix('[')?.strip_suffix(']')?.parse().ok())?;
    Some(address.to_canonical())
}

/// The address an attempt is throttled under: IPv4 addresses as they are, IPv6 addresses by their
/// /64 network, since one subscriber usually holds a whole /64 and could otherwise take a fresh
/// address for every guess.
pub fn throttle_address(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(network))
        }
        v4 => v4,
    }
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
        parts.extensions.insert(ConnectInfo::<SocketAddr>(SocketAddr::new(ip(peer), 4000)));
        parts
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn net(text: &str) -> IpNet {
        text.parse().unwrap()
    }

    #[test]
    fn the_socket_address_wins_by_default() {
        assert_eq!(client_address(&parts("203.0.113.9", Some("1.2.3.4")), &[]), ip("203.0.113.9"));
    }

    #[test]
    fn a_trusted_proxy_forwards_the_right_most_untrusted_hop() {
        let proxies = [net("10.0.0.1/32"), net("10.0.0.2/32")];
        let request = parts("10.0.0.1", Some("6.6.6.6, 198.51.100.7, 10.0.0.2"));
        assert_eq!(client_address(&request, &proxies), ip("198.51.100.7"));
        // Nothing usable forwarded: the proxy itself.
        assert_eq!(client_address(&parts("10.0.0.1", Some("garbage")), &proxies), ip("10.0.0.1"));
    }

    #[test]
    fn hops_with_ports_are_read() {
        let proxies = [net("10.0.0.1/32"), net("10.0.0.2/32")];
        let request = parts("10.0.0.1", Some("198.51.100.7:4711, 10.0.0.2:80"));
        assert_eq!(client_address(&request, &proxies), ip("198.51.100.7"));
        let request = parts("10.0.0.1", Some("[2001:db8::5]:443"));
        assert_eq!(client_address(&request, &proxies), ip("2001:db8::5"));
        let request = parts("10.0.0.1", Some("[2001:db8::6]"));
        assert_eq!(client_address(&request, &proxies), ip("2001:db8::6"));
    }

    #[test]
    fn an_unreadable_hop_ends_the_walk_at_the_last_believable_address() {
        let proxies = [net("10.0.0.1/32"), net("10.0.0.2/32")];
        // `unknown` between the client's own claim and the proxies: nothing left of it is used.
        let request = parts("10.0.0.1", Some("6.6.6.6, unknown, 10.0.0.2"));
        assert_eq!(client_address(&request, &proxies), ip("10.0.0.2"));
        let request = parts("10.0.0.1", Some("6.6.6.6, garbage"));
        assert_eq!(client_address(&request, &proxies), ip("10.0.0.1"));
        let request = parts("10.0.0.1", Some("6.6.6.6, 1.2.3.4:99999"));
        assert_eq!(client_address(&request, &proxies), ip("10.0.0.1"));
    }

    #[test]
    fn proxies_can_be_whole_ranges() {
        let proxies = [net("10.0.0.0/8"), net("fd00::/8")];
        let request = parts("10.9.8.7", Some("198.51.100.7, 10.1.2.3"));
        assert_eq!(client_address(&request, &proxies), ip("198.51.100.7"));
        assert_eq!(client_address(&parts("fd12::1", Some("2001:db8::5")), &proxies), ip("2001:db8::5"));
        assert_eq!(client_address(&parts("11.0.0.1", Some("1.1.1.1")), &proxies), ip("11.0.0.1"));
    }

    #[test]
    fn without_connection_info_the_address_is_unspecified() {
        let (parts, ()) = http::Request::builder().body(()).unwrap().into_parts();
        assert_eq!(client_address(&parts, &[]), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }

    #[test]
    fn ipv6_clients_are_throttled_by_their_64() {
        assert_eq!(throttle_address(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(throttle_address(ip("2001:db8:1:2:bbbb::9")), ip("2001:db8:1:2::"));
        assert_eq!(throttle_address(ip("203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(throttle_address(ip("::ffff:203.0.113.9")), ip("203.0.113.9"));
    }
}

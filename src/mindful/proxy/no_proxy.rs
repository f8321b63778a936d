//! `no_proxy`: the hosts reached without the proxy, matched as curl matches them.
//!
//! A comma (or space) separated list of:
//! - `*`: every host;
//! - a host name, which also covers its subdomains (`example.com` and `.example.com` both
//!   match `example.com` and `api.example.com`, never `badexample.com`); case and a trailing
//!   dot do not matter;
//! - an IP address, or a CIDR range (`10.0.0.0/8`, `fd00::/8`), which match an API URL whose
//!   host is an IP address in it (a name is never resolved to compare it with an address).
//!
//! Ports in entries are not supported (as in curl): `host:443` matches nothing.

use std::net::IpAddr;

/// The host of an authority (`host`, `host:port`, `[v6]:port`), lower case, without brackets
/// or a trailing dot.
pub(super) fn host_of_authority(authority: &str) -> String {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => authority.split(':').next().unwrap_or(authority),
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether the `no_proxy` list `list` names `host` (as [`host_of_authority`] gives it).
pub(super) fn matches(list: &str, host: &str) -> bool {
    let address = host.parse::<IpAddr>().ok();
    list.split(|c: char| c == ',' || c.is_ascii_whitespace())
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            match address {
                Some(address) => address_matches(entry, address),
                None => name_matches(entry, host),
            }
        })
}

fn name_matches(entry: &str, host: &str) -> bool {
    let entry = entry.strip_prefix("*.").unwrap_or(entry);
    let entry = entry
        .strip_prefix('.')
        .unwrap_or(entry)
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if entry.is_empty() {
        return false;
    }
    host == entry
        || host
            .strip_suffix(entry.as_str())
            .is_some_and(|head| head.ends_with('.'))
}

/// `entry` is an address or a CIDR range holding `address`.
fn address_matches(entry: &str, address: IpAddr) -> bool {
    let (net, bits) = match entry.split_once('/') {
        Some((net, bits)) => match bits.parse::<u8>() {
            Ok(bits) => (net, Some(bits)),
            Err(_) => return false,
        },
        None => (entry, None),
    };
    let net = net.trim_start_matches('[').trim_end_matches(']');
    let Ok(net) = net.parse::<IpAddr>() else {
        return false;
    };
    let (net, addr, width) = match (net, address) {
        (IpAddr::V4(n), IpAddr::V4(a)) => (u32::from(n) as u128, u32::from(a) as u128, 32),
        (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128),
        _ => return false,
    };
    let bits = u32::from(bits.unwrap_or(width as u8));
    if bits > width {
        return false;
    }
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (net >> shift) == (addr >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_authorities() {
        assert_eq!(host_of_authority("API.Example.com:443"), "api.example.com");
        assert_eq!(host_of_authority("example.com."), "example.com");
        assert_eq!(host_of_authority("[::1]:8080"), "::1");
        assert_eq!(host_of_authority("127.0.0.1"), "127.0.0.1");
    }

    #[test]
    fn names_and_suffixes() {
        for (list, host, want) in [
            ("example.com", "example.com", true),
            ("example.com", "api.example.com", true),
            (".example.com", "example.com", true),
            (".example.com", "api.example.com", true),
            ("*.example.com", "api.example.com", true),
            ("Example.COM.", "api.example.com", true),
            ("example.com", "badexample.com", false),
            ("api.example.com", "example.com", false),
            ("other.org, example.com", "example.com", true),
            ("other.org example.com", "example.com", true),
            ("*", "anything.at.all", true),
            ("", "example.com", false),
            (",,", "example.com", false),
            (".", "example.com", false),
            ("example.com:443", "example.com", false),
            ("127.0.0.1", "localhost", false),
        ] {
            assert_eq!(matches(list, host), want, "{list:?} vs {host}");
        }
    }

    #[test]
    fn addresses_and_ranges() {
        for (list, host, want) in [
            ("127.0.0.1", "127.0.0.1", true),
            ("127.0.0.2", "127.0.0.1", false),
            ("127.0.0.0/8", "127.9.9.9", true),
            ("10.0.0.0/8", "127.0.0.1", false),
            ("0.0.0.0/0", "192.0.2.1", true),
            ("192.0.2.0/33", "192.0.2.1", false),
            ("192.0.2.0/x", "192.0.2.1", false),
            ("::1", "::1", true),
            ("[::1]", "::1", true),
            ("fd00::/8", "fd12::1", true),
            ("fd00::/8", "fe80::1", false),
            ("127.0.0.0/8", "::1", false),
            ("localhost", "127.0.0.1", false),
        ] {
            assert_eq!(matches(list, host), want, "{list:?} vs {host}");
        }
    }
}

"""URL checks (layer ``syntactic``): ``url_scheme``, ``url_private``, ``url_userinfo``, ``url_malformed``.

:func:`check_url` is pure and never touches the network. It catches SSRF spellings of internal addresses:

* IPv4 in any ``inet_aton`` spelling: ``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``, full-width digits and
  ideographic dots (``１２７。０。０。１``), percent-encoded hosts (``%31%32%37.0.0.1``);
* IPv6 literals, including IPv4-mapped (``::ffff:127.0.0.1``), IPv4-compatible, 6to4, Teredo and NAT64 forms
  that embed an internal IPv4, and zone ids (``fe80::1%25eth0``);
* any address that is not globally routable (loopback, RFC 1918, link-local incl. cloud metadata
  ``169.254.169.254``, CGNAT ``100.64/10``, unique-local ``fc00::/7``, unspecified, multicast, reserved);
* internal hostnames: ``localhost`` and ``*.localhost``, ``*.local``, ``*.internal`` (``metadata.google.internal``),
  ``*.localdomain``, ``*.home.arpa``, bare ``metadata`` / ``instance-data``, and wildcard-DNS names that resolve
  to the IP written in them (``127.0.0.1.nip.io``, ``10-0-0-1.sslip.io``, ``localtest.me``, ``lvh.me``).

User-info (``https://trusted.com@evil.com``, ``user:pass@host``) is ``url_userinfo``; whitespace, control
characters, backslashes, bad ports, empty or invalid hosts and IDNA failures are ``url_malformed``.

:func:`check_url_reachable` is the optional network probe (async, aiohttp, 1 s timeout): it resolves the host,
rejects names that resolve to internal addresses (DNS rebinding) and reports ``url_unreachable``. It only runs
when ``Policy.url_reachability`` is on and never on the default path.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import unicodedata
from urllib.parse import SplitResult, unquote, urlsplit

from services.guardrails.policy import DEFAULT_POLICY, Policy, make_trigger
from services.guardrails.triggers import Layer, Severity, Stage, Trigger

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

INTERNAL_NAMES = frozenset({
    "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "metadata", "metadata.google.internal",
    "metadata.goog", "instance-data", "instance-data.ec2.internal", "kubernetes", "kubernetes.default",
    "kubernetes.default.svc", "broadcasthost",
})
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan", ".intranet",
                     ".corp", ".svc.cluster.local", ".cluster.local")
LOOPBACK_DNS = ("localtest.me", "lvh.me", "vcap.me", "lacolhost.com", "fuf.me", "yoogle.com", "localho.st",
                "readme.localtest.me")
WILDCARD_DNS = ("nip.io", "sslip.io", "xip.io", "traefik.me", "nip.direct", "ip.addr.tools")

_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f\\]")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_NUM_PART = re.compile(r"^(?:0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*)$")


def parse_legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """``inet_aton`` semantics: 1-4 parts, each decimal, octal (leading 0) or hex (0x); None if not numeric."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUM_PART.match(p) for p in parts):
        return None
    vals = []
    for p in parts:
        if p.startswith("0x"):
            vals.append(int(p[2:] or "0", 16))
        elif p.startswith("0") and len(p) > 1:
            vals.append(int(p, 8))
        else:
            vals.append(int(p))
    *head, last = vals
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        raise ValueError("IPv4 part out of range")
    n = 0
    for v in head:
        n = n * 256 + v
    n = (n << (8 * (4 - len(head)))) | last
    return ipaddress.IPv4Address(n)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, Teredo client, NAT64)."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    n = int(ip)
    if n >> 32 == 0x0064FF9B << 64 or ip in ipaddress.IPv6Network("64:ff9b:1::/48"):
        return ipaddress.IPv4Address(n & 0xFFFFFFFF)
    if n >> 32 == 0 and n > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(n & 0xFFFFFFFF)
    return None


def is_internal_ip(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public destination, or None if it is globally routable."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None:
            why = is_internal_ip(inner)
            if why:
                return f"embedded_{why}"
    for attr, label in (("is_loopback", "loopback"), ("is_link_local", "link_local"), ("is_unspecified", "unspecified"),
                        ("is_multicast", "multicast"), ("is_private", "private"), ("is_reserved", "reserved")):
        if getattr(ip, attr):
            if label == "link_local" and str(ip) in ("169.254.169.254", "169.254.170.2"):
                return "metadata"
            return label
    if not ip.is_global:
        return "non_global"
    return None


def _host_ip_from_name(host: str) -> str | None:
    """The IP a wildcard-DNS name resolves to by construction (``127.0.0.1.nip.io``, ``7f000001.nip.io``)."""
    for suffix in WILDCARD_DNS:
        if host == suffix or host.endswith("." + suffix):
            stem = host[: -len(suffix) - 1] if host != suffix else ""
            m = re.search(r"(\d{1,3}(?:[.-]\d{1,3}){3})$", stem)
            if m:
                return m.group(1).replace("-", ".")
            m = re.search(r"(?:^|[.-])([0-9a-f]{8})$", stem)
            if m:
                return str(ipaddress.IPv4Address(int(m.group(1), 16)))
    return None


def _trigger(code: str, severity: Severity, label: str, detail: str, span: tuple[int, int], stage: Stage) -> Trigger:
    return make_trigger(Layer.SYNTACTIC, code, severity, stage=stage, span=span, label=label, detail=detail)


def _host_span(text: str, raw_host: str) -> tuple[int, int]:
    i = text.find(raw_host) if raw_host else -1
    return (i, i + len(raw_host)) if i >= 0 else (0, len(text))


def check_url(text: str, policy: Policy = DEFAULT_POLICY, *, stage: Stage = Stage.OUTPUT) -> list[Trigger]:
    """Triggers for one URL (pure: no DNS, no network)."""
    url = text.strip()
    lead = len(text) - len(text.lstrip())
    whole = (0, len(text))
    if not url:
        return [_trigger("url_malformed", Severity.MEDIUM, "empty", "empty URL", whole, stage)]
    bad = _BAD_CHARS.search(url)
    if bad:
        what = "backslash" if bad.group(0) == "\\" else "whitespace or control character"
        return [_trigger("url_malformed", Severity.HIGH, "bad_character", f"{what} in URL",
                         (lead + bad.start(), lead + bad.end()), stage)]
    try:
        parts: SplitResult = urlsplit(url)
    except ValueError as exc:
        return [_trigger("url_malformed", Severity.MEDIUM, "unparseable", str(exc)[:200], whole, stage)]
    out: list[Trigger] = []
    scheme = parts.scheme.lower()
    if not scheme:
        return [_trigger("url_scheme", Severity.MEDIUM, "missing", "URL has no scheme", whole, stage)]
    allowed = {s.lower() for s in policy.url_allowed_schemes}
    if scheme not in allowed:
        out.append(_trigger("url_scheme", Severity.HIGH, scheme, f"scheme {scheme!r} is not allowed",
                            (lead, lead + len(parts.scheme)), stage))
        if not parts.netloc:
            return out
    if not url[len(parts.scheme) + 1:].startswith("//"):
        out.append(_trigger("url_malformed", Severity.MEDIUM, "no_authority", "URL has no '//' authority", whole,
                            stage))
        return out
    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    if at:
        out.append(_trigger("url_userinfo", Severity.HIGH, "credentials" if ":" in userinfo else "userinfo",
                            "URL carries user-info before '@' (the real host is after it)",
                            (lead + url.find(netloc), lead + url.find(netloc) + len(userinfo) + 1), stage))
    try:
        port = parts.port
    except ValueError:
        out.append(_trigger("url_malformed", Severity.MEDIUM, "bad_port", "invalid port", whole, stage))
        return out
    del port
    raw_host = parts.hostname or ""
    if not raw_host:
        out.append(_trigger("url_malformed", Severity.MEDIUM, "no_host", "URL has no host", whole, stage))
        return out
    span = _host_span(url, raw_host)
    span = (span[0] + lead, span[1] + lead)
    host, err = _canonical_host(raw_host)
    if err:
        out.append(_trigger("url_malformed", Severity.MEDIUM, "bad_host", err, span, stage))
        return out
    why = _internal_host(host)
    if why:
        out.append(_trigger("url_private", Severity.CRITICAL if "metadata" in why else Severity.HIGH, why,
                            f"host resolves to an internal address ({why})", span, stage))
    return out


def _canonical_host(raw: str) -> tuple[str, str | None]:
    """Lower-cased ASCII host (IP literal normalised) or an error message."""
    host = unquote(raw)
    host = unicodedata.normalize("NFKC", host).translate(_DOTS).lower().rstrip(".")
    if not host:
        return "", "empty host"
    if ":" in host:  # IPv6 literal (urlsplit removed the brackets)
        addr = host.split("%", 1)[0]
        try:
            return str(ipaddress.IPv6Address(addr)), None
        except ValueError:
            return "", "invalid IPv6 literal"
    try:
        v4 = parse_legacy_ipv4(host)
    except ValueError as exc:
        return "", str(exc)
    if v4 is not None:
        return str(v4), None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return "", "host is not a valid internationalised domain name"
    labels = host.split(".")
    if not all(_LABEL.match(label) for label in labels):
        return "", "host contains invalid characters"
    if _NUM_PART.match(labels[-1]) or labels[-1].isdigit():
        return "", "host ends in a number but is not a valid IPv4 address"  # WHATWG URL rule
    return host, None


def _internal_host(host: str) -> str | None:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        return is_internal_ip(ip)
    if host in INTERNAL_NAMES:
        return "metadata" if "metadata" in host or "instance-data" in host else "internal_name"
    if host.endswith(INTERNAL_SUFFIXES):
        return "metadata" if "metadata" in host else "internal_name"
    if host in LOOPBACK_DNS or host.endswith(tuple("." + d for d in LOOPBACK_DNS)):
        return "loopback_dns"
    embedded = _host_ip_from_name(host)
    if embedded:
        try:
            why = is_internal_ip(ipaddress.ip_address(embedded))
        except ValueError:
            why = None
        if why:
            return f"wildcard_dns_{why}"
    if "." not in host:
        return "single_label"  # intranet short names (http://db/, http://router/)
    return None


async def check_url_reachable(url: str, *, timeout: float = 1.0, stage: Stage = Stage.OUTPUT,
                              session: object | None = None) -> list[Trigger]:
    """Optional network probe: resolve (reject internal answers), then HEAD the URL within ``timeout`` seconds.

    Call only when ``Policy.url_reachability`` is enabled and :func:`check_url` passed. Redirects are not
    followed (a redirect could point inside the network).
    """
    import aiohttp

    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    span = (0, len(url))
    try:
        loop = asyncio.get_running_loop()
        infos = await asyncio.wait_for(loop.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                                        type=socket.SOCK_STREAM), timeout)
    except (OSError, asyncio.TimeoutError) as exc:
        return [_trigger("url_unreachable", Severity.LOW, "dns", f"DNS lookup failed: {type(exc).__name__}", span,
                         stage)]
    for info in infos:
        try:
            why = is_internal_ip(ipaddress.ip_address(info[4][0].split("%", 1)[0]))
        except ValueError:
            continue
        if why:
            return [_trigger("url_private", Severity.HIGH, f"resolves_{why}", "host resolves to an internal address",
                             span, stage)]
    own = session is None
    sess = aiohttp.ClientSession() if own else session
    try:
        async with sess.head(url, allow_redirects=False,  # type: ignore[attr-defined]
                             timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            if resp.status >= 400 and resp.status not in (401, 403, 405):
                return [_trigger("url_unreachable", Severity.LOW, f"http_{resp.status}",
                                 f"HTTP {resp.status}", span, stage)]
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        return [_trigger("url_unreachable", Severity.LOW, "connect", f"request failed: {type(exc).__name__}", span,
                         stage)]
    finally:
        if own:
            await sess.close()  # type: ignore[attr-defined]
    return []

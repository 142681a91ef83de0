#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""ArcSight CEF:0 records as "Implementing ArcSight Common Event Format" (version 25)
defines them, for tests that read what `embargo watch --output cef:...` wrote.

    header, ext = parse(line)   # 7 unescaped header fields, {key: unescaped value}
    errors = validate(line)     # [] when the line is a record the spec allows, as embargo
                                # writes them (its number and its run: run_errors)

    python3 cef_check.py FILE...     validate every line, exit 1 on any error
    python3 cef_check.py --self-test

Lengths are counted in UTF-8 bytes of the unescaped value: stricter than characters,
so a value that passes fits a consumer counting either way. docs/cef.md has more.
"""
import re
import sys

# The dictionary's keys for event producers: key -> (data type, length, full name).
STRING, INTEGER, LONG, TIME, FLOAT, IPV4, IPV6, MAC = (
    "String", "Integer", "Long", "Time Stamp", "Floating Point", "IPv4 Address",
    "IPv6 address", "MAC Address")
SPEC = {
    "act": (STRING, 63, "deviceAction"),
    "app": (STRING, 31, "applicationProtocol"),
    "c6a1": (IPV6, None, "deviceCustomIPv6Address1"),
    "c6a1Label": (STRING, 1023, "deviceCustomIPv6Address1Label"),
    "c6a3": (IPV6, None, "deviceCustomIPv6Address3"),
    "c6a3Label": (STRING, 1023, "deviceCustomIPv6Address3Label"),
    "c6a4": (IPV6, None, "deviceCustomIPv6Address4"),
    "c6a4Label": (STRING, 1023, "deviceCustomIPv6Address4Label"),
    "cat": (STRING, 1023, "deviceEventCategory"),
    "cfp1": (FLOAT, None, "deviceCustomFloatingPoint1"),
    "cfp1Label": (STRING, 1023, "deviceCustomFloatingPoint1Label"),
    "cfp2": (FLOAT, None, "deviceCustomFloatingPoint2"),
    "cfp2Label": (STRING, 1023, "deviceCustomFloatingPoint2Label"),
    "cfp3": (FLOAT, None, "deviceCustomFloatingPoint3"),
    "cfp3Label": (STRING, 1023, "deviceCustomFloatingPoint3Label"),
    "cfp4": (FLOAT, None, "deviceCustomFloatingPoint4"),
    "cfp4Label": (STRING, 1023, "deviceCustomFloatingPoint4Label"),
    "cn1": (LONG, None, "deviceCustomNumber1"),
    "cn1Label": (STRING, 1023, "deviceCustomNumber1Label"),
    "cn2": (LONG, None, "deviceCustomNumber2"),
    "cn2Label": (STRING, 1023, "deviceCustomNumber2Label"),
    "cn3": (LONG, None, "deviceCustomNumber3"),
    "cn3Label": (STRING, 1023, "deviceCustomNumber3Label"),
    "cnt": (INTEGER, None, "baseEventCount"),
    "cs1": (STRING, 4000, "deviceCustomString1"),
    "cs1Label": (STRING, 1023, "deviceCustomString1Label"),
    "cs2": (STRING, 4000, "deviceCustomString2"),
    "cs2Label": (STRING, 1023, "deviceCustomString2Label"),
    "cs3": (STRING, 4000, "deviceCustomString3"),
    "cs3Label": (STRING, 1023, "deviceCustomString3Label"),
    "cs4": (STRING, 4000, "deviceCustomString4"),
    "cs4Label": (STRING, 1023, "deviceCustomString4Label"),
    "cs5": (STRING, 4000, "deviceCustomString5"),
    "cs5Label": (STRING, 1023, "deviceCustomString5Label"),
    "cs6": (STRING, 4000, "deviceCustomString6"),
    "cs6Label": (STRING, 1023, "deviceCustomString6Label"),
    "destinationDnsDomain": (STRING, 255, "destinationDnsDomain"),
    "destinationServiceName": (STRING, 1023, "destinationServiceName"),
    "destinationTranslatedAddress": (IPV4, None, "destinationTranslatedAddress"),
    "destinationTranslatedPort": (INTEGER, None, "destinationTranslatedPort"),
    "deviceCustomDate1": (TIME, None, "deviceCustomDate1"),
    "deviceCustomDate1Label": (STRING, 1023, "deviceCustomDate1Label"),
    "deviceCustomDate2": (TIME, None, "deviceCustomDate2"),
    "deviceCustomDate2Label": (STRING, 1023, "deviceCustomDate2Label"),
    "deviceDirection": (INTEGER, None, "deviceDirection"),
    "deviceDnsDomain": (STRING, 255, "deviceDnsDomain"),
    "deviceExternalId": (STRING, 255, "deviceExternalId"),
    "deviceFacility": (STRING, 1023, "deviceFacility"),
    "deviceInboundInterface": (STRING, 128, "deviceInboundInterface"),
    "deviceNtDomain": (STRING, 255, "deviceNtDomain"),
    "deviceOutboundInterface": (STRING, 128, "deviceOutboundInterface"),
    "devicePayloadId": (STRING, 128, "devicePayloadId"),
    "deviceProcessName": (STRING, 1023, "deviceProcessName"),
    "deviceTranslatedAddress": (IPV4, None, "deviceTranslatedAddress"),
    "dhost": (STRING, 1023, "destinationHostName"),
    "dmac": (MAC, None, "destinationMacAddress"),  # v25 misprints it deviceMacAddress
    "dntdom": (STRING, 255, "destinationNtDomain"),
    "dpid": (INTEGER, None, "destinationProcessId"),
    "dpriv": (STRING, 1023, "destinationUserPrivileges"),
    "dproc": (STRING, 1023, "destinationProcessName"),
    "dpt": (INTEGER, None, "destinationPort"),
    "dst": (IPV4, None, "destinationAddress"),
    "dtz": (STRING, 255, "deviceTimeZone"),
    "duid": (STRING, 1023, "destinationUserId"),
    "duser": (STRING, 1023, "destinationUserName"),
    "dvc": (IPV4, None, "deviceAddress"),
    "dvchost": (STRING, 100, "deviceHostName"),
    "dvcpid": (INTEGER, None, "deviceProcessId"),
    "end": (TIME, None, "endTime"),
    "externalId": (STRING, 40, "externalId"),
    "fileCreateTime": (TIME, None, "fileCreateTime"),
    "fileHash": (STRING, 255, "fileHash"),
    "fileId": (STRING, 1023, "fileId"),
    "fileModificationTime": (TIME, None, "fileModificationTime"),
    "filePath": (STRING, 1023, "filePath"),
    "filePermission": (STRING, 1023, "filePermission"),
    "fileType": (STRING, 1023, "fileType"),
    "flexDate1": (TIME, None, "flexDate1"),
    "flexDate1Label": (STRING, 128, "flexDate1Label"),
    "flexString1": (STRING, 1023, "flexString1"),
    "flexString1Label": (STRING, 128, "flexString1Label"),
    "flexString2": (STRING, 1023, "flexString2"),
    "flexString2Label": (STRING, 128, "flexString2Label"),
    "fname": (STRING, 1023, "filename"),
    "fsize": (INTEGER, None, "fileSize"),
    "in": (LONG, None, "bytesIn"),
    "msg": (STRING, 1023, "message"),
    "oldFileCreateTime": (TIME, None, "oldFileCreateTime"),
    "oldFileHash": (STRING, 255, "oldFileHash"),
    "oldFileId": (STRING, 1023, "oldFileId"),
    "oldFileModificationTime": (TIME, None, "oldFileModificationTime"),
    "oldFileName": (STRING, 1023, "oldFileName"),
    "oldFilePath": (STRING, 1023, "oldFilePath"),
    "oldFilePermission": (STRING, 1023, "oldFilePermission"),
    "oldFileSize": (INTEGER, None, "oldFileSize"),
    "oldFileType": (STRING, 1023, "oldFileType"),
    "out": (LONG, None, "bytesOut"),
    "outcome": (STRING, 63, "eventOutcome"),
    "proto": (STRING, 31, "transportProtocol"),
    "reason": (STRING, 1023, "Reason"),
    "request": (STRING, 1023, "requestUrl"),
    "requestClientApplication": (STRING, 1023, "requestClientApplication"),
    "requestContext": (STRING, 2048, "requestContext"),
    "requestCookies": (STRING, 1023, "requestCookies"),
    "requestMethod": (STRING, 1023, "requestMethod"),
    "rt": (TIME, None, "deviceReceiptTime"),
    "shost": (STRING, 1023, "sourceHostName"),
    "smac": (MAC, None, "sourceMacAddress"),
    "sntdom": (STRING, 255, "sourceNtDomain"),
    "sourceDnsDomain": (STRING, 255, "sourceDnsDomain"),
    "sourceServiceName": (STRING, 1023, "sourceServiceName"),
    "sourceTranslatedAddress": (IPV4, None, "sourceTranslatedAddress"),
    "sourceTranslatedPort": (INTEGER, None, "sourceTranslatedPort"),
    "spid": (INTEGER, None, "sourceProcessId"),
    "spriv": (STRING, 1023, "sourceUserPrivileges"),
    "sproc": (STRING, 1023, "sourceProcessName"),
    "spt": (INTEGER, None, "sourcePort"),
    "src": (IPV4, None, "sourceAddress"),
    "start": (TIME, None, "startTime"),
    "suid": (STRING, 1023, "sourceUserId"),
    "suser": (STRING, 1023, "sourceUserName"),
    "type": (INTEGER, None, "type"),
}

# Custom keys travel with a <key>Label saying what they hold.
LABELLED = ("c6a1", "c6a3", "c6a4", "cfp1", "cfp2", "cfp3", "cfp4", "cn1", "cn2", "cn3",
            "cs1", "cs2", "cs3", "cs4", "cs5", "cs6", "deviceCustomDate1",
            "deviceCustomDate2", "flexDate1", "flexString1", "flexString2")

# Header fields after "CEF:0": name and ArcSight event schema length (Severity has none).
HEADER = (("Device Vendor", 63), ("Device Product", 63), ("Device Version", 31),
          ("Device Event Class ID", 1023), ("Name", 512), ("Severity", None))
SEVERITY_NAMES = ("Unknown", "Low", "Medium", "High", "Very-High")

_KEY = re.compile(r"[A-Za-z0-9_]+=")
_UNESCAPE = {"\\": "\\", "=": "=", "n": "\n", "r": "\r"}
# "MMM dd [yyyy] HH:mm:ss[.SSS] [zzz]", the spec's other Time Stamp form
_DATE = re.compile(r"[A-Z][a-z]{2} \d{2}( \d{4})? \d{2}:\d{2}:\d{2}(\.\d{3})?( \S+)?")
_MAC = re.compile(r"([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}")
# C0 and C1 controls and DEL, CR and LF aside: what a record must not carry raw
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class CEFError(ValueError):
    """The line cannot be read as CEF."""


def _split_header(line):
    """The 7 '|'-terminated header fields, unescaped, and the rest of the line."""
    fields, cur, i = [], [], 0
    while len(fields) < 7:
        if i >= len(line):
            raise CEFError(f"header has {len(fields)} fields, CEF has 7")
        c = line[i]
        if c == "\\":
            if line[i + 1:i + 2] not in ("\\", "|"):
                raise CEFError(f"header: '\\{line[i + 1:i + 2]}' is not an escape")
            cur.append(line[i + 1])
            i += 2
        elif c == "|":
            fields.append("".join(cur))
            cur = []
            i += 1
        else:
            cur.append(c)
            i += 1
    return fields, line[i:]


def _split_extension(ext):
    """key=value pairs separated by spaces; a value runs to the space before a key."""
    pairs, i, n = {}, 0, len(ext)
    while i < n:
        m = _KEY.match(ext, i)
        if not m:
            raise CEFError(f"extension: no key at {ext[i:i + 24]!r}")
        key, i, out = m.group()[:-1], m.end(), []
        while i < n:
            c = ext[i]
            if c == " " and _KEY.match(ext, i + 1):
                i += 1
                break
            if c == "=":
                raise CEFError(f"{key}: unescaped '='")
            if c == "\\":
                e = ext[i + 1:i + 2]
                if e not in _UNESCAPE:
                    raise CEFError(f"{key}: '\\{e}' is not an escape")
                out.append(_UNESCAPE[e])
                i += 2
                continue
            out.append(c)
            i += 1
        if key in pairs:
            raise CEFError(f"{key}: twice")
        pairs[key] = "".join(out)
    return pairs


def parse(line: str) -> tuple:
    """(header, ext): the 7 header fields ("CEF:0" first) and the extension's
    {key: value}, all unescaped. Raises CEFError when the line is not CEF."""
    if isinstance(line, bytes):
        line = line.decode("utf-8")
    line = line.rstrip("\n")
    if not line.startswith("CEF:"):
        raise CEFError("does not start with CEF:")
    header, ext = _split_header(line)
    return header, _split_extension(ext)


def _utf8_len(s):
    return len(s.encode("utf-8", "surrogatepass"))


def _is_int(s, bits):
    if not re.fullmatch(r"-?\d+", s):
        return False
    return -(1 << (bits - 1)) <= int(s) < (1 << (bits - 1))


def _is_ipv4(s):
    parts = s.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


def _is_ipv6(s):
    import ipaddress
    try:
        ipaddress.IPv6Address(s)
        return True
    except ValueError:
        return False


def _is_float(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


_TYPE_CHECKS = {
    INTEGER: lambda v: _is_int(v, 32),
    LONG: lambda v: _is_int(v, 64),
    TIME: lambda v: (v.isdigit() and int(v) < 1 << 63) or bool(_DATE.fullmatch(v)),
    FLOAT: _is_float,
    IPV4: _is_ipv4,
    IPV6: _is_ipv6,
    MAC: lambda v: bool(_MAC.fullmatch(v)),
}


def _text_errors(what, value, limit):
    errors = []
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        errors.append(f"{what}: invalid UTF-8")
    if _CONTROL.search(value):
        errors.append(f"{what}: control character {_CONTROL.search(value).group()!r}")
    if limit is not None and _utf8_len(value) > limit:
        errors.append(f"{what}: {_utf8_len(value)} bytes, the limit is {limit}")
    return errors


def _header_errors(header):
    errors = [] if header[0] == "CEF:0" else [f"version {header[0]!r}, not CEF:0"]
    for (name, limit), value in zip(HEADER, header[1:]):
        if not value:
            errors.append(f"{name}: empty")
        errors += _text_errors(name, value, limit)
        if "\n" in value or "\r" in value:
            errors.append(f"{name}: line break in the header")
    sev = header[6]
    if not (sev in SEVERITY_NAMES or (sev.isdigit() and int(sev) <= 10)):
        errors.append(f"Severity {sev!r}: not 0-10 nor {'/'.join(SEVERITY_NAMES)}")
    return errors


def _pair_errors(key, value):
    if key not in SPEC:
        return [f"{key}: not a key of the dictionary"]
    kind, limit, full = SPEC[key]
    if value == "":
        return [f"{key} ({full}): empty"]
    if kind == STRING:
        return _text_errors(f"{key} ({full})", value, limit)
    if not _TYPE_CHECKS[kind](value):
        return [f"{key} ({full}): {value!r} is not {kind}"]
    return []


def _label_errors(ext):
    errors = []
    for key in LABELLED:
        label = key + "Label"
        if (key in ext) != (label in ext):
            errors.append(f"{key if key in ext else label} without "
                          f"{label if key in ext else key}")
    return errors


def run_errors(ext):
    """Ours, beyond the spec: an embargo record carries its number in the run (externalId,
    1, 2, ...) and the run's start (flexDate1, labelled)."""
    errors = []
    seq = ext.get("externalId", "")
    if not (seq.isdigit() and int(seq) >= 1):
        errors.append(f"externalId: the record's number in its run, missing or {seq!r}")
    if not ext.get("flexDate1", "").isdigit() or ext.get("flexDate1Label") != "Run start":
        errors.append("flexDate1: the run's start, labelled 'Run start', missing")
    return errors


def validate(line: str, embargo=True) -> list:
    """Every way the line breaks the spec, and unless embargo is False, how it fails to be
    a record embargo writes (run_errors); [] when it is a valid CEF:0 record."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as e:
            return [f"invalid UTF-8: {e}"]
    line = line[:-1] if line.endswith("\n") else line
    if "\n" in line or "\r" in line:
        return ["raw line break inside the record"]
    try:
        header, ext = parse(line)
    except CEFError as e:
        return [str(e)]
    errors = _header_errors(header)
    for key, value in ext.items():
        errors += _pair_errors(key, value)
    return errors + _label_errors(ext) + (run_errors(ext) if embargo else [])


# ---- self-test ---------------------------------------------------------------------

_GOOD = (
    "CEF:0|embargo|embargo|0.1|process:exec|process exec|1|rt=1700000000123 cat=process "
    "act=exec dvchost=desk-07 externalId=17 flexDate1=1700000000001 flexDate1Label=Run start "
    "suser=root suid=0 spid=4242 sproc=kesl-control "
    "cs1=kesl-control --start-task 1 cs1Label=Command line cs3=/home/ada/x\\=y\\\\z\\nw "
    "cs3Label=Working directory filePath=/opt/kaspersky/kesl/bin/kesl-control "
    "fname=kesl-control"
)
_BAD = {
    "CEF:1|embargo|embargo|0.1|id|name|1|": "not CEF:0",
    "CEF:0|embargo|embargo|0.1|id|name": "header has 5 fields",
    "CEF:0|embargo|embargo|0.1|id|na\\me|1|": "not an escape",
    "CEF:0|embargo|embargo|0.1|id|name|11|": "Severity '11'",
    "CEF:0|embargo|embargo|0.1|id||1|": "Name: empty",
    "CEF:0|embargo|embargo|0.1|id|name|1|sourceUserName=root": "not a key",
    "CEF:0|embargo|embargo|0.1|id|name|1|msg=a=b": "unescaped '='",
    "CEF:0|embargo|embargo|0.1|id|name|1|msg=a\\tb": "not an escape",
    "CEF:0|embargo|embargo|0.1|id|name|1|msg=x msg=y": "twice",
    "CEF:0|embargo|embargo|0.1|id|name|1|spid=12x": "not Integer",
    "CEF:0|embargo|embargo|0.1|id|name|1|cnt=2147483648": "not Integer",
    "CEF:0|embargo|embargo|0.1|id|name|1|rt=yesterday": "not Time Stamp",
    "CEF:0|embargo|embargo|0.1|id|name|1|cs1=x": "cs1 without cs1Label",
    "CEF:0|embargo|embargo|0.1|id|name|1|cn1Label=Events": "cn1Label without cn1",
    "CEF:0|embargo|embargo|0.1|id|name|1|act=" + "a" * 64: "64 bytes, the limit is 63",
    "CEF:0|embargo|embargo|0.1|id|name|1|msg=esc\x1b[2J": "control character",
    "CEF:0|embargo|embargo|0.1|id|name|1|msg=two\nlines": "raw line break",
    "CEF:0|embargo|embargo|0.1|id|name|1|msg=": "empty",
    b"CEF:0|embargo|embargo|0.1|id|name|1|msg=\xff": "invalid UTF-8",
}


def _self_test():
    checks = []     # (what, error or None)

    header, ext = parse(_GOOD)
    want = ["CEF:0", "embargo", "embargo", "0.1", "process:exec", "process exec", "1"]
    checks.append(("header", None if header == want else header))
    for k, v in {"cs1": "kesl-control --start-task 1", "cs3": "/home/ada/x=y\\z\nw",
                 "cs3Label": "Working directory", "rt": "1700000000123"}.items():
        checks.append((k, None if ext.get(k) == v else f"{ext.get(k)!r}, want {v!r}"))
    checks.append(("good line", validate(_GOOD) or None))
    header, ext = parse("CEF:0|em\\|bargo|embargo|0.1|a\\\\b|n|10|msg=a|b c\\=d e")
    ok = header[1] == "em|bargo" and header[4] == "a\\b" and ext == {"msg": "a|b c=d e"}
    checks.append(("escapes", None if ok else f"{header} {ext}"))
    at_limit = "CEF:0|v|p|1|id|n|3|fileHash=" + "a" * 254 + "\\="
    checks.append(("255-byte fileHash", validate(at_limit, embargo=False) or None))
    no_run = _GOOD.replace(" externalId=17", "").replace(" flexDate1Label=Run start", "")
    run = run_errors(parse(no_run)[1])
    checks.append(("no sequence, no run", None if len(run) == 2 else run))
    for line, want_error in _BAD.items():
        errors = validate(line)
        ok = any(want_error in e for e in errors)
        checks.append((repr(line)[:60], None if ok else f"want {want_error!r}, got {errors}"))
    failed = [(what, err) for what, err in checks if err]
    for what, err in failed:
        print(f"FAIL {what}: {err}")
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def main(argv):
    if argv == ["--self-test"]:
        return _self_test()
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    bad = 0
    for path in argv:
        with open(path, "rb") as f:
            for n, line in enumerate(f, 1):
                for e in validate(line):
                    print(f"{path}:{n}: {e}")
                    bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

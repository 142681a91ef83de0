# SPDX-License-Identifier: GPL-2.0-only
"""Installer downloads: any process writing a file named like a banned installer."""
import os
import tempfile

from harness import ROOT, Watch

SHIPPED = os.path.join(ROOT, "rules")


def download_alert(name):
    return lambda e: e["event"]["kind"] == "alert" and e.get("file", {}).get("name") == name


def test_browser_style_download_renamed_into_place():
    with tempfile.TemporaryDirectory() as d, Watch("--rules", SHIPPED) as w:
        part = os.path.join(d, "kesl_12.0.0_amd64.deb.part")
        with open(part, "wb") as f:
            f.write(b"!<arch>\n")
        os.rename(part, os.path.join(d, "kesl_12.0.0_amd64.deb"))
        e = w.wait_for(download_alert("kesl_12.0.0_amd64.deb"))
    assert e["rule"]["id"] == "kaspersky-installer-download"
    assert e["event"]["action"] == "file-renamed" and e["event"]["category"] == ["file"]
    assert e["file"]["path"] == os.path.join(d, "kesl_12.0.0_amd64.deb")
    assert e["process"]["pid"] == os.getpid()


def test_direct_write_relative_to_cwd():
    with tempfile.TemporaryDirectory() as d, Watch("--rules", SHIPPED) as w:
        old = os.getcwd()
        os.chdir(d)
        try:
            with open("WeChatLinux_x86_64.AppImage", "wb") as f:
                f.write(b"\x7fELF")
        finally:
            os.chdir(old)
        e = w.wait_for(download_alert("WeChatLinux_x86_64.AppImage"))
    assert e["rule"]["id"] == "tencent-installer-download"
    assert e["event"]["action"] == "file-created"
    assert e["file"]["path"] == os.path.join(d, "WeChatLinux_x86_64.AppImage")


def test_failed_create_is_not_reported():
    with tempfile.TemporaryDirectory() as d, Watch("--all", "--rules", SHIPPED) as w:
        try:
            open(os.path.join(d, "missing-dir", "kvrt.run"), "wb")
        except FileNotFoundError:
            pass
        marker = os.path.join(d, "kaspl.run")
        open(marker, "wb").close()
        w.wait_for(download_alert("kaspl.run"))
        events = list(w.events)
    assert not [e for e in events if e.get("file", {}).get("name") == "kvrt.run"]


def test_ordinary_files_are_not_reported():
    with tempfile.TemporaryDirectory() as d, Watch("--all", "--rules", SHIPPED) as w:
        with open(os.path.join(d, "notes.txt"), "w") as f:
            f.write("hello")
        marker = os.path.join(d, "kaspl.run")
        open(marker, "wb").close()
        w.wait_for(download_alert("kaspl.run"))
        events = list(w.events)
    assert not [e for e in events if e.get("file", {}).get("name") == "notes.txt"]


def test_download_known_by_hash_whatever_its_name():
    content = b"banned installer bytes " + os.urandom(16)
    import hashlib
    sha = hashlib.sha256(content).hexdigest()
    with tempfile.TemporaryDirectory() as d:
        rules = os.path.join(d, "r.yaml")
        with open(rules, "w") as f:
            f.write("vendor: T\nrules:\n  - id: dl-hash\n    name: banned installer by hash\n"
                    f"    severity: high\n    on: [file]\n    match:\n"
                    f"      file.hash.sha256: \"{sha}\"\n")
        with Watch("--rules", rules) as w:
            part = os.path.join(d, "innocent.zip.crdownload")
            with open(part, "wb") as f:
                f.write(content)
            os.rename(part, os.path.join(d, "innocent.zip"))
            e = w.wait_for(download_alert("innocent.zip"))
    assert e["rule"]["id"] == "dl-hash"
    assert e["file"]["hash"]["sha256"] == sha

# SPDX-License-Identifier: GPL-2.0-only
"""The command line contract scripts depend on: exit codes, help, usage errors."""
from harness import embargo


def test_version_prints_and_exits_zero():
    r = embargo("version")
    assert r.returncode == 0 and r.stdout.startswith(b"embargo ")


def test_help_lists_commands():
    r = embargo("help")
    assert r.returncode == 0 and b"watch" in r.stdout and b"version" in r.stdout


def test_command_help_exits_zero():
    for cmd in ("watch", "version"):
        r = embargo(cmd, "--help")
        assert r.returncode == 0 and r.stdout.startswith(b"Usage: embargo " + cmd.encode())


def test_unknown_option_is_usage_error():
    r = embargo("watch", "--bogus")
    assert r.returncode == 2
    assert b"unknown option '--bogus'" in r.stderr


def test_bad_format_is_usage_error():
    r = embargo("watch", "--format", "xml")
    assert r.returncode == 2 and b"--format must be text or json" in r.stderr


def test_missing_option_value_is_usage_error():
    r = embargo("watch", "--format")
    assert r.returncode == 2 and b"needs a value" in r.stderr


def test_unknown_command_is_usage_error():
    r = embargo("frobnicate")
    assert r.returncode == 2 and b"unknown command 'frobnicate'" in r.stderr


def test_no_command_is_usage_error():
    r = embargo()
    assert r.returncode == 2 and b"Usage:" in r.stderr

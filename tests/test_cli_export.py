"""``cybermutual export verify FILE.json`` (a treasurer checking a newcomer's history by hand)
and ``cybermutual keys list|rotate``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cybermutual.api.routers.exports import key_public
from cybermutual.bootstrap import build_services
from cybermutual.cli import app
from cybermutual.store.engine import make_engine
from tests.helpers import FAST_PASSWORDS, members

runner = CliRunner()


def test_a_treasurer_verifies_an_export_by_hand_and_an_altered_one_fails(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    services = build_services(make_engine(url), passwords=FAST_PASSWORDS)
    slug, (ada, bob) = members(services, 2)
    services.ledger.pay(slug, payer=bob.id, payee=ada.id, amount=1250, idempotency_key="p")
    export = services.history.export(slug, member_id=ada.id, base_url="https://a.example")
    file = tmp_path / "ada.json"
    file.write_text(json.dumps(export.as_json()))
    keys = tmp_path / "keys.json"
    keys.write_text(
        json.dumps(
            {
                "collective": slug,
                "keys": [key_public(k).model_dump(mode="json") for k in services.keys.keys(slug)],
            }
        )
    )

    good = runner.invoke(app, ["export", "verify", str(file), "--keys-file", str(keys)])
    assert good.exit_code == 0, good.output
    assert "signature verified" in good.output
    assert "turnover 12.50" in good.output
    local = runner.invoke(app, ["export", "verify", str(file), "--local", "--database-url", url])
    assert local.exit_code == 0, local.output

    altered = export.as_json()
    altered["payload"]["activity"]["turnover"] = 999_999
    file.write_text(json.dumps(altered))
    bad = runner.invoke(app, ["export", "verify", str(file), "--keys-file", str(keys)])
    assert bad.exit_code == 1
    assert "signature_invalid" in bad.output

    file.write_text("not json")
    assert (
        runner.invoke(app, ["export", "verify", str(file), "--keys-file", str(keys)]).exit_code == 1
    )


def test_keys_rotate_keeps_the_old_key_listed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    services = build_services(make_engine(url), passwords=FAST_PASSWORDS)
    slug, _ = members(services, 1)
    (first,) = services.keys.keys(slug)
    rotated = runner.invoke(app, ["keys", "rotate", slug, "--database-url", url])
    assert rotated.exit_code == 0, rotated.output
    listed = runner.invoke(app, ["keys", "list", slug, "--database-url", url])
    lines = listed.output.strip().splitlines()
    assert len(lines) == 2
    assert "current" in lines[0]
    assert lines[1].startswith(first.key_id)
    assert "retired" in lines[1]

"""What a newcomer tripped over in the API (issue #9), on both databases."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import COLLECTIVE
from tests.helpers import assert_problem

M = "/collectives/riverside"


def _collective(member: Any, *names: str, **charter: Any) -> list[Any]:
    people = [member(n) for n in names]
    body = {**COLLECTIVE, "charter": {**COLLECTIVE["charter"], **charter}}
    assert people[0].post("/collectives", json=body).status_code == 201
    for p in people[1:]:
        assert p.post(f"{M}/memberships").status_code in (201, 202)
    return people


def _balance(who: Any) -> int:
    balance: int = who.get(f"{M}/accounts/me").json()["balance"]
    return balance


def _inbox(who: Any, event: str) -> list[dict[str, Any]]:
    items = who.get(f"{M}/inbox").json()["items"]
    return [i for i in items if i["event"] == event]


# --- 1: a JSON body without its header -------------------------------------------------------


def test_a_json_body_sent_as_a_form_is_refused_saying_which_header(member: Any) -> None:
    ada, bo = _collective(member, "Ada", "Bo")
    body = json.dumps({"to": bo.id, "amount": 100})
    for content_type in (None, "application/x-www-form-urlencoded", "text/plain"):
        headers = {**ada.headers, "Idempotency-Key": f"k-{content_type}"}
        if content_type:
            headers["Content-Type"] = content_type
        reply = ada.client.post(f"/api/v1{M}/transfers", content=body, headers=headers)
        problem = assert_problem(reply, 415, "unsupported_media_type")
        assert "Content-Type: application/json" in problem["detail"]
        assert problem["instance"] == f"/api/v1{M}/transfers"
    assert _balance(bo) == 0  # nothing was paid
    with_header = ada.post(
        f"{M}/transfers",
        key="k-json",
        content=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert with_header.status_code == 201, with_header.text
    # the token endpoint takes its OAuth2 form, and says so when sent JSON
    token = ada.client.post(
        "/api/v1/auth/token", json={"username": ada.email, "password": "correct horse"}
    )
    assert "x-www-form-urlencoded" in assert_problem(token, 415, "unsupported_media_type")["detail"]
    # a body-less POST needs no header
    assert ada.post(f"{M}/listings/nothing/close").status_code == 404


# --- 3: paying someone who is not a member ---------------------------------------------------


def test_paying_someone_who_is_not_a_member_names_them(member: Any) -> None:
    ada, _, cy = _collective(member, "Ada", "Bo", "Cy")
    stranger = member("Stranger")
    unknown = ada.post(f"{M}/transfers", key="u", json={"to": "no-such-id", "amount": 5})
    problem = assert_problem(unknown, 404, "member_not_found")
    assert "the payee 'no-such-id'" in problem["detail"]
    outsider = ada.post(f"{M}/transfers", key="o", json={"to": stranger.id, "amount": 5})
    problem = assert_problem(outsider, 422, "payee_not_a_member")
    assert "Stranger" in problem["detail"]
    assert problem["context"]["member"] == stranger.id
    assert cy.delete(f"{M}/memberships/me").status_code == 200
    leaver = ada.post(f"{M}/transfers", key="l", json={"to": cy.id, "amount": 5})
    assert "Cy" in assert_problem(leaver, 422, "payee_not_a_member")["detail"]


def test_a_refused_batch_says_which_payment_and_pays_nothing(member: Any) -> None:
    ada, bo, cy = _collective(member, "Ada", "Bo", "Cy")  # credit limit 1000
    stranger = member("Stranger")
    to_stranger = ada.post(
        f"{M}/transfers/batch",
        key="b1",
        json={"payments": [{"to": bo.id, "amount": 1}, {"to": stranger.id, "amount": 1}]},
    )
    problem = assert_problem(to_stranger, 422, "payee_not_a_member")
    assert problem["context"]["index"] == 1
    too_much = ada.post(
        f"{M}/transfers/batch",
        key="b2",
        json={
            "payments": [
                {"to": bo.id, "amount": 400},
                {"to": cy.id, "amount": 400},
                {"to": bo.id, "amount": 400, "memo": "one too many"},
            ]
        },
    )
    problem = assert_problem(too_much, 422, "credit_limit_exceeded")
    assert problem["context"]["index"] == 2
    assert problem["detail"].startswith("payment 2 of the batch:")
    assert (_balance(ada), _balance(bo), _balance(cy)) == (0, 0, 0)


def test_assigning_a_task_to_an_applicant_who_left_says_the_application_is_gone(
    member: Any,
) -> None:
    ada, bo = _collective(member, "Ada", "Bo")
    task = ada.post(
        f"{M}/tasks", json={"title": "Fix the gate", "category": "repairs", "reward": 50}
    )
    tid = task.json()["id"]
    app = bo.post(f"{M}/tasks/{tid}/applications", json={"message": "me"}).json()
    assert bo.delete(f"{M}/memberships/me").status_code == 200
    refused = ada.post(f"{M}/tasks/{tid}/assign", key="a", json={"application_id": app["id"]})
    # leaving withdrew Bo's application (issue 9 item 9), so nothing is held for a leaver
    problem = assert_problem(refused, 409, "invalid_transition")
    assert problem["context"]["status"] == "withdrawn"
    assert "withdrawn" in problem["detail"]


# --- 4: names beside ids, /me, member profiles -----------------------------------------------


def test_every_response_that_names_a_person_gives_their_name(member: Any) -> None:
    ada, bo = _collective(member, "Ada", "Bo")
    paid = ada.post(f"{M}/transfers", key="p", json={"to": bo.id, "amount": 70}).json()
    assert (paid["from_name"], paid["to_name"]) == ("Ada", "Bo")
    listed = bo.get(f"{M}/transfers").json()["items"][0]
    assert (listed["from"], listed["from_name"]) == (ada.id, "Ada")
    offer = ada.post(
        f"{M}/listings",
        json={"kind": "offer", "title": "Jam", "category": "food", "price": 10, "quantity": 3},
    ).json()
    assert offer["owner_name"] == "Ada"
    order = bo.post(f"{M}/orders", key="o", json={"listing_id": offer["id"]}).json()
    assert (order["buyer_name"], order["seller_name"]) == ("Bo", "Ada")
    for step, who in (("accept", ada), ("deliver", ada)):
        assert who.post(f"{M}/orders/{order['id']}/{step}").status_code == 200
    assert bo.post(f"{M}/orders/{order['id']}/confirm", key="c").status_code == 200
    review = bo.post(f"{M}/reviews", json={"order_id": order["id"], "stars": 4}).json()
    assert (review["author_name"], review["subject_name"]) == ("Bo", "Ada")
    task = ada.post(f"{M}/tasks", json={"title": "Paint", "category": "home", "reward": 30}).json()
    bo.post(f"{M}/tasks/{task['id']}/applications", json={"message": "I can"})
    applications = ada.get(f"{M}/tasks/{task['id']}/applications").json()
    assert applications[0]["applicant_name"] == "Bo"
    [applied] = _inbox(ada, "task_application")
    assert applied["message"] == "Bo applied for your task 'Paint'."


def test_me_lists_my_collectives(member: Any) -> None:
    _, bo = _collective(member, "Ada", "Bo")
    mine = bo.get("/me").json()["memberships"]
    assert [(m["collective"], m["name"], m["status"]) for m in mine] == [
        ("riverside", "Riverside", "active")
    ]


def test_a_member_profile(member: Any) -> None:
    ada, bo = _collective(member, "Ada", "Bo")
    ada.post(
        f"{M}/listings",
        json={"kind": "offer", "title": "Honey", "category": "food", "price": 10},
    )
    profile = bo.get(f"{M}/members/{ada.id}").json()
    assert (profile["display_name"], profile["status"]) == ("Ada", "active")
    assert [listing["title"] for listing in profile["listings"]] == ["Honey"]
    assert profile["reputation"] == {
        "score": None,
        "average": None,
        "count": 0,
        "summary": "no reviews yet",
    }
    assert_problem(bo.get(f"{M}/members/no-such-id"), 404, "member_not_found")
    outsider = member("Outsider")
    assert_problem(outsider.get(f"{M}/members/{ada.id}"), 403, "not_a_member")


# --- 7: the inbox hears about money and membership -------------------------------------------


def test_payments_land_in_the_payees_inbox_with_the_payers_name(member: Any) -> None:
    ada, bo, cy = _collective(member, "Ada", "Bo", "Cy")
    ada.post(f"{M}/transfers", key="p", json={"to": bo.id, "amount": 450, "memo": "eggs"})
    [single] = _inbox(bo, "payment_received")
    assert single["message"] == "Ada paid you 4.50 RVC (eggs)."
    assert single["subject_type"] == "transfer"
    assert ada.get(f"{M}/transfers/{single['subject_id']}").status_code == 200
    ada.post(
        f"{M}/transfers/batch",
        key="b",
        json={"payments": [{"to": bo.id, "amount": 100}, {"to": cy.id, "amount": 200}]},
    )
    assert len(_inbox(bo, "payment_received")) == 2
    [to_cy] = _inbox(cy, "payment_received")
    assert to_cy["message"] == "Ada paid you 2.00 RVC."
    held = ada.post(f"{M}/transfers", key="h", json={"to": cy.id, "amount": 200, "pending": True})
    ada.post(f"{M}/transfers/{held.json()['id']}/post", key="r")
    messages = [i["message"] for i in _inbox(cy, "payment_received")]
    assert "Ada is holding 2.00 RVC for you until they release it." in messages
    assert "Ada released 2.00 RVC they held for you." in messages
    assert _inbox(ada, "payment_received") == []


def test_requests_to_join_and_approvals_land_in_the_inbox(member: Any) -> None:
    ada, bo = _collective(member, "Ada", "Bo", admission="approval")
    [asked] = _inbox(ada, "membership_requested")
    assert asked["message"] == "Bo asks to join Riverside: any active member can approve."
    assert asked["subject_id"] == bo.id
    approved = ada.post(f"{M}/memberships/{bo.id}/approve")
    assert approved.json()["member_name"] == "Bo"
    [welcome] = _inbox(bo, "membership_approved")
    assert welcome["message"] == "Ada approved your membership: welcome to Riverside."


# --- 8: the API contract ---------------------------------------------------------------------


def test_tasks_answer_in_task_terms(member: Any) -> None:
    ada, bo = _collective(member, "Ada", "Bo")
    made = ada.post(f"{M}/tasks", json={"title": "Weed", "category": "home", "reward": 80})
    task = made.json()
    assert (task["reward"], task["kind"]) == (80, "task")
    assert bo.get(f"{M}/tasks/{task['id']}").json()["reward"] == 80
    assert bo.get(f"{M}/tasks").json()["items"][0]["reward"] == 80
    offer = ada.post(
        f"{M}/listings", json={"kind": "offer", "title": "Plums", "category": "food", "price": 1}
    )
    assert_problem(bo.get(f"{M}/tasks/{offer.json()['id']}"), 404, "listing_not_found")
    app = bo.post(f"{M}/tasks/{task['id']}/applications", json={}).json()
    ada.post(f"{M}/tasks/{task['id']}/assign", key="a", json={"application_id": app["id"]})
    early = ada.post(f"{M}/tasks/{task['id']}/approve", key="ap")
    detail = assert_problem(early, 409, "invalid_transition")["detail"]
    assert "order" not in detail
    assert "cannot approve this task: it is assigned, and the worker has not submitted" in detail


def test_transfers_are_readable_by_their_parties_only(member: Any) -> None:
    ada, bo, cy = _collective(member, "Ada", "Bo", "Cy")
    paid = ada.post(f"{M}/transfers", key="p", json={"to": bo.id, "amount": 5}).json()
    for party in (ada, bo):
        seen = party.get(f"{M}/transfers/{paid['id']}")
        assert seen.status_code == 200, seen.text
        assert (seen.json()["amount"], seen.json()["to_name"]) == (5, "Bo")
    assert_problem(cy.get(f"{M}/transfers/{paid['id']}"), 404, "transfer_not_found")
    assert_problem(ada.get(f"{M}/transfers/nothing"), 404, "transfer_not_found")


def test_the_openapi_document_matches_what_the_server_requires(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()

    def key_header(path: str, method: str = "post") -> dict[str, Any]:
        parameters = spec["paths"][f"/api/v1{path}"][method]["parameters"]
        found: dict[str, Any] = next(p for p in parameters if p["name"] == "Idempotency-Key")
        return found

    assert key_header("/collectives/{slug}/transfers")["required"] is True
    assert key_header("/collectives/{slug}/transfers/batch")["required"] is True
    assert key_header("/collectives/{slug}/orders/{order_id}/confirm")["required"] is True
    assert key_header("/collectives/{slug}/orders/{order_id}/accept").get("required") is not True
    batch = spec["components"]["schemas"]["BatchCreate"]["properties"]["payments"]
    assert "index" in batch["description"]
    bids = spec["paths"]["/api/v1/collectives/{slug}/allocation-rounds/{round_id}/bids"]["get"]
    page = bids["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert page.endswith("PagePublic_BidPublic_")


# --- 11: reputation -------------------------------------------------------------------------


def test_reputation_of_nobody_is_not_found_and_no_reviews_is_no_score(member: Any) -> None:
    ada, bo = _collective(member, "Ada", "Bo")
    assert_problem(ada.get(f"{M}/reputation/nobody"), 404, "member_not_found")
    assert ada.get(f"{M}/reputation/{bo.id}").json() == {
        "score": None,
        "average": None,
        "count": 0,
        "summary": "no reviews yet",
    }


# --- 12: /docs works offline ------------------------------------------------------------------


def test_the_interactive_docs_need_no_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "/static/swagger-ui/swagger-ui-bundle.js" in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        served = client.get(f"/static/swagger-ui/{asset}")
        assert served.status_code == 200, asset
        assert len(served.content) > 500
    assert client.get("/docs/oauth2-redirect").status_code == 200


def test_the_commons_names_people_too(member: Any) -> None:
    ada, bo = _collective(member, "Ada", "Bo")
    asset = ada.post(
        f"{M}/assets",
        json={
            "name": "Lathe",
            "category": "woodworking",
            "capacity": 10,
            "unit": "hours",
            "output_categories": ["crafts"],
        },
    ).json()
    assert asset["contributed_by_name"] == "Ada"
    round_ = ada.post(
        f"{M}/allocation-rounds",
        json={
            "period_start": "2026-11-03T00:00:00Z",
            "period_end": "2026-11-10T00:00:00Z",
            "bids_close_at": "2026-11-02T00:00:00Z",
        },
    ).json()
    bid = bo.post(
        f"{M}/allocation-rounds/{round_['id']}/bids",
        json={"asset_id": asset["id"], "max_units": 4, "output_category": "crafts"},
    ).json()
    assert bid["member_name"] == "Bo"
    page = ada.get(f"{M}/allocation-rounds/{round_['id']}/bids").json()
    assert [b["member_name"] for b in page["items"]] == ["Bo"]
    assert page["next_cursor"] is None


def test_inbox_items_name_who_acted(member: Any) -> None:
    ada, bo = _collective(member, "Ada", "Bo")
    ada.post(f"{M}/transfers", key="p", json={"to": bo.id, "amount": 5})
    [item] = _inbox(bo, "payment_received")
    assert (item["actor_id"], item["actor_name"]) == (ada.id, "Ada")

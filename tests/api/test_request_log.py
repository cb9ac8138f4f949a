"""ARM calls appear in the request log with the principal that made them."""


def test_arm_calls_are_logged_with_their_principal(arm):
    sub = arm.subscription_id("Productie")
    assert arm.call("GET", f"/subscriptions/{sub}", role="reader").status_code == 200
    entries = arm.client.get("/_subplane/requests").json()
    entries = entries.get("value", entries) if isinstance(entries, dict) else entries
    mine = [e for e in entries if e.get("path") == f"/subscriptions/{sub}"]
    assert mine, entries
    assert mine[-1]["principal"] == "subplane-reader"
    assert mine[-1]["status"] == 200

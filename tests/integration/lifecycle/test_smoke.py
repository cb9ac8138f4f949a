from subplane.domain.access import OPERATOR


def test_demo_seeds_three_subscriptions_idempotently(demo_app):
    from subplane import demo

    demo.seed(demo_app)  # a second run changes nothing
    names = sorted(s.display_name for s in demo_app.subscriptions.list(actor=OPERATOR))
    assert names == ["Ontwikkeling", "Productie", "Proefversie"]

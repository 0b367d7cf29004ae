"""Special-part articles for given charges beyond each charge's own (issue 15): articles that go with a charge
when the facts or the defendant's record tell of their condition (``cues``: 356, 269, 196, penalty articles) and
definition articles cited by some courts' habit, learned (``habit``: 357)."""

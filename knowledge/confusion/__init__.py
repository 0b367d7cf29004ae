"""Confusion data for proofreading: sound / shape confusion sets (ECSpell, MIT, see LICENSE.ECSpell) and the
real training errors the learned decider is retrained on (``models.proofread.train_decider``)."""

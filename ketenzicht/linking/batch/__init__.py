"""Batch person linking with Splink 5 (DuckDB backend): training without labels, prediction, clustering.

The input is a pandas DataFrame of `MentionFeatures` rows (`frame.features_frame`). The comparison spec, the
blocking rules and the settings come from `ketenzicht.linking.engine`; the trained model is Splink's own
JSON, which `ketenzicht.linking.engine.model.LinkModel` reads for online scoring.

The modules, bottom first (each imports only modules before it in this list):

- `frame`: the features as a frame (of features, of columns, of an exchange file), the name-frequency
  buckets as columns, a frame's row as features again, ids in the order of their text.
- `connection`: where Splink runs (`BACKENDS`), DuckDB's limits, the in-memory DuckDB that holds the
  features as table `mentions`, and Splink's Linker over it.
- `blocking`: the blocking keys prediction blocks on (shared by few enough mentions, `MAX_KEY_MENTIONS`),
  in Python or built in DuckDB; every mention's keys and their digests as intake stores them.
- `artefact`: the model artefact on disk: the shipped model's path, save and load.
- `m_estimates`: the m probabilities training sets beside EM: counted among pairs with the same valid BSN,
  held at their floors when EM underflows, taken from the shipped model when an EM rule fails, floored.
- `training`: `train`: the prior from deterministic rules, u by random sampling, m by EM; on DuckDB or Spark.
- `prediction`: `predict`: the candidate pairs found first (in DuckDB or Spark), then scored by Splink.
- `clustering`: `cluster` and `cluster_rows`: persons from the scored pairs, never joining two valid BSNs
  or contradicting dates of birth; the batch's link threshold.
- `mentions`: `mentions_to_features`: a DataFrame of mention columns as a features frame.
- `link`: `link_dataframe` (train, predict and cluster in one call, the benchmarks' interface) and
  `candidate_keys`.

Nothing is re-exported here: import a name from the module that holds it. A name with a leading
underscore is private to this package: its modules share it; outside it only tests and benchmarks reach
for one.
"""

"""The checks of lesson 05 · Fine-tuning on your own pairs."""

from __future__ import annotations

import json
import math
from pathlib import Path

from .core import Wrong, call, close, exercise, number


def _columns(dataset, name: str) -> list[str]:
    columns = getattr(dataset, "column_names", None)
    if columns is None:
        raise Wrong(f"{name} should be a datasets.Dataset (Dataset.from_pandas(...)), not {type(dataset).__name__}.")
    return list(columns)


@exercise("05.1", "a dataset for in-batch negatives", "dataset")
def check_mnrl_dataset(dataset, train_df):
    """A Dataset of (anchor, positive) columns: the paraphrase pairs of ``train_df``, no label, no other column.

    >>> exercises.check_mnrl_dataset(paraphrase_dataset, train_df)            # doctest: +SKIP
    """
    columns = _columns(dataset, "dataset")
    paraphrases = train_df[train_df["kind"] == "paraphrase"]
    extra = [c for c in columns if c in ("score", "label")]
    if extra:
        raise Wrong(f"the column {extra[0]!r} would be passed to the loss as a label; MultipleNegativesRankingLoss "
                    "needs none (every row is a matching pair): drop it.")
    if len(columns) != 2:
        raise Wrong(f"the dataset has the columns {columns}: keep exactly two text columns, anchor then positive "
                    "(any other column would be read as one more text).")
    if len(dataset) != len(paraphrases):
        if len(dataset) == len(train_df):
            raise Wrong("you kept every training pair: the loss treats each row as a match, and the other rows of a "
                        "batch as non-matches, so unrelated or look-alike pairs would be taught as matches. Keep the paraphrases.")
        raise Wrong(f"the dataset has {len(dataset)} rows; train_df has a different number of paraphrase pairs.")
    rows = list(zip(dataset[columns[0]], dataset[columns[1]]))
    if sorted(rows) != sorted(zip(paraphrases["sentence1"], paraphrases["sentence2"])):
        raise Wrong("the rows are not train_df's paraphrase pairs (sentence1 first, sentence2 second).")
    return f"{len(rows)} (anchor, positive) pairs and no label: each batch's other positives serve as its negatives."


@exercise("05.2", "mix in general pairs", "mixed")
def check_mixed_training_set(mixed, train_df, test_df, stsb_sample):
    """``train_df``'s pairs plus 300 STS-B *train* pairs with score / 5: columns sentence1, sentence2, score.

    >>> exercises.check_mixed_training_set(mixed_train, train_df, test_df, stsb_sample)  # doctest: +SKIP
    """
    import pandas as pd

    from .. import data

    frame = mixed.to_pandas() if hasattr(mixed, "to_pandas") else mixed
    if not isinstance(frame, pd.DataFrame):
        raise Wrong(f"mixed should be a DataFrame (or a Dataset), not {type(mixed).__name__}.")
    if list(frame.columns) != ["sentence1", "sentence2", "score"]:
        raise Wrong(f"the columns are {list(frame.columns)}: keep sentence1, sentence2, score, in that order (the "
                    "Trainer reads the texts first and the label last).")
    if frame["score"].max() > 1:
        raise Wrong("some scores are above 1: STS-B scores run from 0 to 5, divide them by 5 like the course's labels.")
    ours = set(zip(train_df["sentence1"], train_df["sentence2"]))
    rows = list(zip(frame["sentence1"], frame["sentence2"], frame["score"]))
    if not ours <= {(a, b) for a, b, _ in rows}:
        raise Wrong("some of train_df's pairs are missing: keep all of them and add the STS-B pairs.")
    added = [(a, b, s) for a, b, s in rows if (a, b) not in ours]
    held_out = set(zip(test_df["sentence1"], test_df["sentence2"])) | set(zip(stsb_sample["sentence1"], stsb_sample["sentence2"]))
    leaked = [(a, b) for a, b, _ in added if (a, b) in held_out]
    if leaked:
        raise Wrong(f"{len(leaked)} added pair(s) are in the held-out data (test_df or stsb_sample), e.g. {leaked[0][0]!r}: "
                    "take the new pairs from the STS-B train split.")
    train = data.stsb("train")
    scores = {}
    for a, b, s in zip(train["sentence1"], train["sentence2"], train["score"]):
        scores.setdefault((a, b), set()).add(round(s / 5, 6))
    foreign = [(a, b) for a, b, _ in added if (a, b) not in scores]
    if foreign:
        raise Wrong(f"{len(foreign)} added pair(s) are not STS-B train pairs, e.g. {foreign[0][0]!r}.")
    if len(added) != 300:
        raise Wrong(f"you added {len(added)} STS-B pairs; the exercise adds 300.")
    if any(round(s, 6) not in scores[(a, b)] for a, b, s in added):
        raise Wrong("some added scores are not the STS-B score divided by 5.")
    return (f"{len(frame)} training pairs: {len(ours)} of the course's and 300 general ones from STS-B train, "
            "none of them held out.")


@exercise("05.3", "streaming the one-line way", "stream", "max_steps")
def check_json_stream(stream, max_steps, jsonl_path):
    """``load_dataset("json", ..., streaming=True)`` over ``jsonl_path`` with section 6's ``features`` cast, and
    ``max_steps`` for two passes in batches of 8.

    The stream must come from the JSON loader (not section 6's generator), read every line of the file once per
    pass, and have the features query and passage, both ``Value("string")``. (In datasets 5 the JSON loader already
    infers these two string columns from the file, so there ``.cast(features)`` leaves the stream unchanged.)

    >>> exercises.check_json_stream(json_stream, 56, jsonl_path)              # doctest: +SKIP
    """
    from datasets import Features, IterableDataset, IterableDatasetDict, Value

    if isinstance(stream, IterableDatasetDict):
        raise Wrong(f"stream is a dict of splits ({', '.join(stream)}): pass split=\"train\" to load_dataset to get "
                    "the stream itself.")
    if not isinstance(stream, IterableDataset):
        kind = type(stream).__name__
        hint = " (without streaming=True load_dataset reads the whole file into memory)" if kind == "Dataset" else ""
        raise Wrong(f"stream should be a datasets.IterableDataset (load_dataset(..., streaming=True)), not {kind}{hint}.")
    builder = getattr(stream.info, "builder_name", None)
    if builder != "json":
        made = "section 6's generator (IterableDataset.from_generator)" if builder == "generator" else (
            f"{builder!r}" if builder else "something other than load_dataset")
        raise Wrong(f"this stream comes from {made}; the exercise replaces it by the one line "
                    "load_dataset(\"json\", data_files=str(jsonl_path), split=\"train\", streaming=True).")
    lines = [json.loads(line) for line in Path(jsonl_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    expected_features = Features({"query": Value("string"), "passage": Value("string")})
    if stream.features is None or set(stream.features) != set(expected_features):
        raise Wrong("the stream's features should be query and passage: give it the lesson's `features` (.cast(features)).")
    if stream.features != expected_features:
        wrong = [f"{name}: {stream.features[name]}" for name in expected_features
                 if stream.features[name] != expected_features[name]]
        raise Wrong(f"the stream's features are not section 6's `features` ({'; '.join(wrong)}): .cast(features) "
                    "with the lesson's Features, both columns Value(\"string\").")
    rows = list(stream)
    if any(row not in lines for row in rows[:5]):
        raise Wrong("the first examples of your stream are not lines of jsonl_path: load that file.")
    key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
    if sorted(map(key, rows)) != sorted(map(key, lines)):
        raise Wrong(f"one pass over your stream gives {len(rows)} examples; jsonl_path has {len(lines)} lines: stream "
                    "the whole file, each line once (no take, skip or filter).")
    steps = number(max_steps, "max_steps")
    expected = 2 * math.ceil(len(lines) / 8)
    if steps != expected:
        if steps == 2 * (len(lines) // 8):
            raise Wrong("a pass ends with a smaller batch (the lines left over); it is a step too.")
        if steps == expected / 2:
            raise Wrong("that is one pass over the file: the exercise asks for two.")
        if steps == 2 * len(lines):
            raise Wrong("a step is one batch of 8 examples, not one example.")
        raise Wrong(f"max_steps should cover two passes over the {len(lines)} lines in batches of 8.")
    return (f"a JSON stream over the {len(lines)} lines of the file with the lesson's features, and {expected} steps "
            f"= two passes of {expected // 2} batches.")


def _cosent(cosines, labels, scale: float, *, ordered: bool = True, one_plus: bool = True):
    import torch

    differences = scale * (cosines[None, :] - cosines[:, None])  # [i, j] = s * (cos_j - cos_i)
    keep = labels[:, None] > labels[None, :] if ordered else ~torch.eye(len(labels), dtype=torch.bool)
    terms = differences[keep]
    if one_plus:
        terms = torch.cat([terms.new_zeros(1), terms])
    return float(torch.logsumexp(terms, dim=0))


@exercise("05.4", "the CoSENT loss by hand", "cosent_by_hand")
def check_cosent(cosent_by_hand, model, train_df):
    """``cosent_by_hand(cosines, labels, scale=20.0)`` against sentence-transformers' CoSENTLoss on 8 training pairs.

    Two cases: the model's cosines of 8 pairs, and the same cosines reordered to agree with the labels (a
    small loss, where a missing "1 +" shows).

    >>> exercises.check_cosent(cosent_by_hand, lee_model, train_df)           # doctest: +SKIP
    """
    import torch
    import torch.nn.functional as F
    from sentence_transformers.sentence_transformer.losses import CoSENTLoss

    batch = train_df.sample(8, random_state=42)
    # The library's loss on given cosines: its similarity function just reads them from the first "embedding".
    library = CoSENTLoss(model, scale=20.0, similarity_fct=lambda scores, _: scores[:, 0])
    with torch.no_grad():
        u = model.encode(batch["sentence1"].tolist(), convert_to_tensor=True)
        v = model.encode(batch["sentence2"].tolist(), convert_to_tensor=True)
        labels = torch.tensor(batch["score"].to_numpy(), dtype=torch.float32)
        cosines = F.cosine_similarity(u, v)
        concordant = cosines.sort().values[labels.argsort(stable=True).argsort()]  # k-th lowest label, k-th lowest cosine
        cases = {"the model's cosines of 8 training pairs": cosines,
                 "the same cosines reordered to agree with the labels (a small loss)": concordant}
        for case, scores in cases.items():
            expected = float(library.compute_loss_from_embeddings([scores[:, None], scores[:, None]], labels))
            answer = number(call(cosent_by_hand, scores.clone(), labels.clone(), 20.0, what="cosent_by_hand"),
                             "cosent_by_hand(...)")
            if close(answer, expected, 1e-4):
                continue
            for why, value in {"without the 1 + inside the logarithm (the e^0 term that keeps the loss at or above 0)":
                                   _cosent(scores, labels, 20.0, one_plus=False),
                               "a sum over every pair of pairs: only those where pair i has the higher label count":
                                   _cosent(scores, labels, 20.0, ordered=False),
                               "the loss with the scale left out: multiply the differences by 20": _cosent(scores, labels, 1.0),
                               "the loss with the difference the wrong way round: it is cos_j - cos_i for label_i > label_j":
                                   _cosent(-scores, labels, 20.0)}.items():
                if close(answer, value, 1e-4):
                    raise Wrong(f"for {case}: that is {why}.")
            raise Wrong(f"for {case} your value differs from CoSENTLoss's: log(1 + sum over (i, j) with "
                        "labels[i] > labels[j] of exp(scale * (cos[j] - cos[i]))).")
        real = float(library.compute_loss_from_embeddings([cosines[:, None], cosines[:, None]], labels))
        small = float(library.compute_loss_from_embeddings([concordant[:, None], concordant[:, None]], labels))
    return (f"{real:.4f} for the 8 pairs as the model scores them, {small:.4f} once the cosines agree with the labels' "
            "order: equal to CoSENTLoss in both cases.")

# Generated from notebooks/11_training_for_retrieval.ipynb by tools/export_lessons.py: do not edit.
# Change the lesson's #@save cells instead, then run `make export`.
"""Code taught in notebooks/11_training_for_retrieval.ipynb, for later lessons, checks and tools to import."""

from datasets import Dataset
from embedding_course import cross_encoder
from embedding_course import leaderboard
from embedding_course import models
from embedding_course import retrieval
from embedding_course.paths import generated_dir
from embedding_course.quiet import hidden_progress_bars
from embedding_course.runtime import trim_freed_memory
from sentence_transformers import SentenceTransformerTrainer
from sentence_transformers import SentenceTransformerTrainingArguments
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
from sentence_transformers.sentence_transformer.training_args import BatchSamplers
from sentence_transformers.util import mine_hard_negatives
from transformers import PrinterCallback
import contextlib
import gc
import hashlib
import io
import json
import numpy as np
import warnings


def mine_negatives(task, model):
    # One hard negative per question: the highest-ranked passage among its 20 nearest that is not its answer,
    # keeping only candidates at least 5% below the answer's score (closer ones may be false negatives).
    passage_text = dict(zip(task.passages["id"], task.passages["text"]))
    pairs = Dataset.from_dict({"anchor": task.queries["question"].tolist(),
                               "positive": [passage_text[pid] for pid in task.relevant]})
    with hidden_progress_bars(), contextlib.redirect_stderr(io.StringIO()):  # its one-step bar prints a changing rate
        return mine_hard_negatives(pairs, model, corpus=task.passages["text"].tolist(), range_max=20, num_negatives=1,
                                   sampling_strategy="top", relative_margin=0.05, batch_size=64, verbose=False)


RECIPE = {"num_train_epochs": 2, "per_device_train_batch_size": 16, "learning_rate": 5e-5, "warmup_steps": 2}


def fine_tune_for_retrieval(rows):
    # A fresh MiniLM copy trained with MultipleNegativesRankingLoss on `rows` (anchor, positive, [negative]).
    copy = models.load_sentence_transformer("all-MiniLM-L6-v2")
    args = SentenceTransformerTrainingArguments(
        output_dir=str(generated_dir("11_training_for_retrieval", "trainer")), **RECIPE,
        batch_sampler=BatchSamplers.NO_DUPLICATES, activation_checkpointing=True,  # recompute, don't keep: ~0.6 GB less
        logging_strategy="no", save_strategy="no", use_cpu=True,
        dataloader_num_workers=0, dataloader_pin_memory=False, seed=42, data_seed=42, report_to="none",
        disable_tqdm=True)
    trainer = SentenceTransformerTrainer(model=copy, args=args, train_dataset=Dataset.from_dict(rows),
                                         loss=MultipleNegativesRankingLoss(copy),
                                         callbacks=cross_encoder.training_callbacks(show_progress=False))  # frees memory after each step
    trainer.remove_callback(PrinterCallback)  # it prints the run's timings, which differ every run
    with warnings.catch_warnings():  # sentence-transformers 6 still uses transformers' old name for checkpointing
        warnings.filterwarnings("ignore", message=".*gradient_checkpointing_enable", category=FutureWarning)
        trainer.train()
    return copy


def vectors_after_training(rows, texts):
    # `texts` encoded by a copy fine-tuned on `rows`; kept on disk, so a later run skips the training.
    fingerprint = hashlib.sha256(json.dumps([rows, RECIPE], sort_keys=True).encode()).hexdigest()[:12]
    vectors = retrieval.encode_once(f"minilm-mnrl-{fingerprint}", lambda t: models.embed(t, fine_tune_for_retrieval(rows)), texts)
    gc.collect()  # the trained copy and its optimizer are garbage now: free them before the next copy trains
    trim_freed_memory()
    return vectors


def fold_vectors(task, negative_of, k, hard, extra_texts=()):
    # From a copy trained on the questions outside fold k: vectors of the passages, of fold k's questions, and of extra_texts.
    passage_text = dict(zip(task.passages["id"], task.passages["text"]))
    train, test = task.fold(k)
    train = train[train["question"].isin(negative_of)]  # both arms train on the questions that have a negative
    rows = {"anchor": train["question"].tolist(), "positive": [passage_text[pid] for pid in train["relevant"]]}
    if hard:
        rows["negative"] = [negative_of[q] for q in rows["anchor"]]
    texts = task.passages["text"].tolist() + test["question"].tolist() + list(extra_texts)
    return np.split(vectors_after_training(rows, texts), [len(task.passages), len(task.passages) + len(test)])


def held_out_ranking(task, vectors_by_fold):
    # Every question's top 10 passage ids, ranked by the copy that never trained on its fold.
    ranking = [None] * len(task.queries)
    for k, (stored, asked, *_) in vectors_by_fold.items():
        rows = np.flatnonzero(task.queries["fold"] == k)
        for row, top in zip(rows, leaderboard.top_k(asked @ stored.T, task.passages["id"].tolist())):
            ranking[row] = top
    return ranking

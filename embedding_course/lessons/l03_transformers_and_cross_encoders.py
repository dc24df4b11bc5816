# Generated from notebooks/03_transformers_and_cross_encoders.ipynb by tools/export_lessons.py: do not edit.
# Change the lesson's #@save cells instead, then run `make export`.
"""Code taught in notebooks/03_transformers_and_cross_encoders.ipynb, for later lessons, checks and tools to import."""


def wordpiece(text, tokenizer):
    return tokenizer.tokenize(text)


def bpe(text, llm_tokenizer):
    return [llm_tokenizer.id_to_piece(i) for i in llm_tokenizer.encode(text, bos=False, eos=False)]


from datasets import Dataset
from sentence_transformers.cross_encoder import CrossEncoderTrainer, CrossEncoderTrainingArguments
from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
from transformers import PrinterCallback


def fit_cross_encoder(model, train_pairs, scratch_dir, *, epochs=1, lr=1e-4, batch_size=16, seed=42,
                      freeze_word_embeddings=True, callbacks=()):
    """Train `model`, a CrossEncoder with one output, on (text_a, text_b, label) triples with labels in [0, 1]."""
    if freeze_word_embeddings:  # 30,522 vectors: a few thousand pairs would barely move them
        model.model.get_input_embeddings().weight.requires_grad_(False)
    columns = dict(zip(["sentence1", "sentence2", "label"], map(list, zip(*train_pairs))))
    args = CrossEncoderTrainingArguments(
        output_dir=str(scratch_dir), num_train_epochs=epochs, per_device_train_batch_size=batch_size,
        learning_rate=lr, seed=seed, data_seed=seed, use_cpu=True, report_to="none",
        save_strategy="no", logging_strategy="no", disable_tqdm=True)  # no checkpoints, no logs
    trainer = CrossEncoderTrainer(model=model, args=args, train_dataset=Dataset.from_dict(columns),
                                  loss=BinaryCrossEntropyLoss(model), callbacks=list(callbacks))
    trainer.remove_callback(PrinterCallback)  # it would print the run's final numbers, its timings included
    trainer.train()
    return model.eval()

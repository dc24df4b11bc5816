# Generated from notebooks/03_transformers_and_cross_encoders.ipynb by tools/export_lessons.py: do not edit.
# Change the lesson's #@save cells instead, then run `make export`.
"""Code taught in notebooks/03_transformers_and_cross_encoders.ipynb, for later lessons, checks and tools to import."""


def wordpiece(text, tokenizer):
    return tokenizer.tokenize(text)


def bpe(text, llm_tokenizer):
    return [llm_tokenizer.id_to_piece(i) for i in llm_tokenizer.encode(text, bos=False, eos=False)]

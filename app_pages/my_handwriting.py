"""My handwriting: the corrections saved from the recognize page, and the personal model.

Counts per digit, a gallery of the saved samples (what was written, what the model said),
delete one or all, export (NPZ, or MNIST's IDX) and import, and "Learn my handwriting":
the shipped model's last layer fine-tuned on these samples, in seconds, without TensorFlow.
Everything stays in the local database whose path is shown at the top.
"""

from __future__ import annotations

import streamlit as st

from digitrec import (
    FeedbackError,
    FeedbackStore,
    PersonalModelError,
    forget_personal_model,
    learn_handwriting,
    personal_card,
)

GALLERY_SIZE = 60  # newest first; the counts above cover every sample
GALLERY_COLUMNS = 6


def main() -> None:
    st.title("My handwriting")
    try:
        store = FeedbackStore()
    except FeedbackError as err:
        st.error(f"Your saved samples cannot be opened. {err}", icon=":material/error:")
        return
    st.caption(
        f"Your samples are kept only on this computer, in `{store.path}`. Nothing is sent anywhere."
    )
    counts = store.counts()
    per_digit_counts(counts)
    learn(store, sum(counts))
    gallery(store)
    export_and_import(store)
    delete_everything(store, sum(counts))


def per_digit_counts(counts: list[int]) -> None:
    """How many samples of each digit are saved."""
    st.subheader(f"{sum(counts)} samples saved")
    with st.container(horizontal=True, key="counts"):
        for digit, count in enumerate(counts):
            st.metric(f"Digit {digit}", count)


def learn(store: FeedbackStore, total: int) -> None:
    """ "Learn my handwriting" and what the current personal model learnt from."""
    st.subheader("Learn my handwriting")
    card = personal_card(store)
    if card:
        st.markdown(
            f"Your personal model learnt from **{card['samples']}** samples on "
            f"{card['created'].replace('T', ' ')}: on them it reads "
            f"{card['samples_accuracy_before']:.0%} before and "
            f"{card['samples_accuracy_after']:.0%} after; on a check set of MNIST digits "
            f"{card['anchors_accuracy_before']:.1%} → {card['anchors_accuracy_after']:.1%}. "
            f"It gives {card.get('personal_share', 1.0):.0%} of each answer, the shipped "
            "model the rest: as much as leaves those MNIST digits' answers unchanged. "
            "Switch it on at the top of the recognize page."
        )
    override = st.checkbox(
        "Let my corrections override standard digits",
        key="override",
        help="For a style that MNIST reads as another digit (a 7 written as MNIST writes a "
        "1). Off: your model leaves every MNIST check digit's answer as it was.",
    )
    if not st.button(
        "Learn my handwriting",
        key="learn",
        icon=":material/school:",
        disabled=total == 0,
        help="Adapts the model's last layer to your samples (mixed with MNIST digits).",
    ):
        if total == 0:
            st.caption("Save some corrections on the recognize page first.")
        return
    bar = st.progress(0.0, text="Learning…")
    try:
        report = learn_handwriting(
            store, progress=lambda done: bar.progress(done), guard=not override
        )
    except (PersonalModelError, FeedbackError, ValueError) as err:
        st.warning(f"Could not learn: {err}")
        return
    bar.progress(1.0, text=f"Done in {report.seconds:.1f} s")
    st.success(
        f"Learnt from {report.samples} samples: on them {report.samples_accuracy_before:.0%} "
        f"→ {report.samples_accuracy_after:.0%}. Switch on “Use my personal model” on the "
        "recognize page.",
        icon=":material/check:",
    )


def gallery(store: FeedbackStore) -> None:
    """The newest samples, each with its label, what the model said and a delete button."""
    samples = store.samples(limit=GALLERY_SIZE)
    if not samples:
        return
    st.subheader("Saved samples")
    columns = st.columns(GALLERY_COLUMNS)
    for index, sample in enumerate(samples):
        said = "nothing" if sample.predicted is None else str(sample.predicted)
        with columns[index % GALLERY_COLUMNS], st.container(key=f"sample-{sample.id}"):
            st.image(sample.processed, width=84, caption=f"{sample.label} · model said {said}")
            st.button(
                "Delete",
                key=f"delete-{sample.id}",
                icon=":material/delete:",
                on_click=store.delete,
                args=(sample.id,),
            )


def export_and_import(store: FeedbackStore) -> None:
    """Download the samples as NPZ or IDX; add samples from an NPZ."""
    st.subheader("Export and import")
    if len(store):
        exports = {
            "export-npz": ("Export NPZ", store.export_npz, "my-handwriting.npz"),
            "export-idx": ("Export IDX (like MNIST)", store.export_idx, "my-handwriting-idx.zip"),
        }
        with st.container(horizontal=True):
            for key, (label, make, file_name) in exports.items():
                st.download_button(label, make(), file_name=file_name, key=key)
    upload = st.file_uploader(
        "Import samples from an .npz (images (N, 28, 28) and labels 0..9)",
        type=["npz"],
        key="import",
    )
    if upload is not None and st.button("Import", key="import-button"):
        try:
            added = store.import_npz(upload.getvalue())
        except (ValueError, FeedbackError) as err:
            st.error(f"Not imported: {err}")
        else:
            st.success(f"Imported {added} samples.")


def delete_everything(store: FeedbackStore, total: int) -> None:
    """Delete every sample (and the personal model learnt from them), after a confirmation."""
    st.subheader("Delete everything")
    sure = st.checkbox(
        f"Yes, delete all {total} samples and my personal model", key="confirm-delete-all"
    )
    st.button(
        "Delete all",
        key="delete-all",
        icon=":material/delete_forever:",
        disabled=not sure,
        on_click=delete_all,
        args=(store,),
    )
    if "deleted" in st.session_state:
        st.success(f"Deleted {st.session_state.pop('deleted')} samples and the personal model.")


def delete_all(store: FeedbackStore) -> None:
    """Button callback: runs before the page is drawn again, so the counts show zero."""
    st.session_state["deleted"] = store.delete_all()
    forget_personal_model(store)
    st.session_state["confirm-delete-all"] = False


main()

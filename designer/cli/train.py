"""``nn-designer train``: its options; the run itself (which imports torch) is in
`designer.cli.train_run`, imported only when the verb runs."""

from __future__ import annotations

import argparse
from typing import Any


def add_train_command(commands: Any) -> None:
    train = commands.add_parser(
        "train",
        help="train a project without a window and print its progress",
        description="Train a project headless: a progress line per epoch, then the final "
        "metrics. Options override the project's own training settings.",
    )
    train.add_argument("project", help="the .nndesign project file")
    train.add_argument("--epochs", type=int, help="number of epochs")
    train.add_argument("--lr", type=float, help="learning rate")
    train.add_argument("--batch-size", type=int, help="samples per batch")
    train.add_argument("--seed", type=int, help="random seed")
    train.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help="device")
    train.add_argument("--save-weights", metavar="PATH", help="write the trained weights")
    train.add_argument(
        "--data", metavar="PATH", help="train on this CSV file, .npz file or image folder"
    )
    train.add_argument("--target", metavar="COLUMN", help="the target column of a CSV file")
    train.add_argument("--bundle", metavar="ZIP", help="also write a reproducibility bundle")
    train.add_argument(
        "--no-record",
        action="store_true",
        help="do not record the run in the project's run store (NAME.runs.sqlite)",
    )
    train.add_argument(
        "--tensorboard", metavar="DIR", help="also write the curves as TensorBoard event files"
    )
    train.set_defaults(handler=run_train)


def run_train(args: argparse.Namespace) -> int:
    from designer.cli.train_run import train_project

    return train_project(
        args.project,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        seed=args.seed,
        device=args.device,
        save_weights=args.save_weights,
        data=args.data,
        target=args.target,
        bundle=args.bundle,
        record=not args.no_record,
        tensorboard=args.tensorboard,
    )

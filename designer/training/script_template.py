"""The fixed text of the exported training script, with the holes `script` fills.

Kept apart from the code that assembles the script so that the training program reads as
one piece, as it will in the exported file. ``TEMPLATE`` is everything after the model class
and the recipe: a line ``%%name`` is replaced by the lines of part ``name`` (the optional
blocks below, or nothing), and ``__NET__`` by the model class's name. The per-step work
(`train_step`, `epoch_order`, `validation_metrics`, `BestWeights`) lives in
`designer.training.core`, which the script contains verbatim, as the app's loop calls it.
"""

DOCSTRING = '''"""Train a neural network designed with NN Designer.

Run ``python model.py`` to train it, printing the metrics after every epoch, and
``python model.py --help`` for the options. ``torchrun --nproc_per_node=2 model.py`` trains
on two processes with DistributedDataParallel. ``import model`` only defines the network
class and its helpers, without training.
"""'''

TENSOR_BATCHES = '''\
def make_batches(arrays: dict, device: torch.device, args: argparse.Namespace, train: bool):
    """The samples of one part of the data, as tensors on the device."""
    return TensorBatches(arrays, INPUTS, HEADS, device)'''

IMAGE_BATCHES = '''\
def make_batches(arrays: dict, device: torch.device, args: argparse.Namespace, train: bool):
    """The images of one part of the data, decoded batch by batch by worker processes."""
    return ImageBatches(
        args.data,
        arrays,
        INPUTS,
        HEADS,
        device,
        IMAGE_SHAPE,
        augment=AUGMENT and train,
        seed=args.seed,
        workers=args.workers,
    )'''

PER_BATCH = "        scheduler.step()"
PER_EPOCH = "        scheduler.step()"
SCHEDULER = """\
    steps = math.ceil(math.ceil(len(train_set) / world_size) / args.batch_size)
    scheduler = make_scheduler(optimizer, args.lr, args.epochs, steps)"""
NO_SCHEDULER = "    scheduler = None"
STOPPING = """\
        if epoch + 1 - best.epoch >= PATIENCE:
            if rank == 0:
                print(f"stopping early: no improvement for {PATIENCE} epochs", flush=True)
            break"""
WORKERS_OPTION = """\
    parser.add_argument("--workers", type=int, default=WORKERS, help="processes decoding images")"""

TEMPLATE = '''\
%%make_batches


def train_epoch(network, optimizer, scheduler, batches) -> torch.Tensor:
    """One pass over this process's batches; returns the summed loss and the sample count."""
    network.train()
    total, count = 0.0, 0
    for batch in batches:
        loss = train_step(network, optimizer, HEADS, INPUTS, batch, GRAD_CLIP)
%%per_batch
        rows = len(batch[HEADS[0].target])
        total, count = total + loss * rows, count + rows
    return torch.tensor([total, count], dtype=torch.float64)


def load_weights(path: str) -> dict[str, torch.Tensor]:
    """Weights written by ``--save`` or NN Designer (safetensors), or a torch state dict."""
    if path.endswith((".pt", ".pth")):
        return torch.load(path, map_location="cpu", weights_only=True)
    return load_file(path)


def setup(device_name: str) -> tuple[int, int, torch.device]:
    """Rank, world size and device; joins the process group when started by torchrun."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return 0, 1, pick_device(device_name)
    cuda = device_name == "cuda" or (device_name == "auto" and torch.cuda.is_available())
    if cuda:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    dist.init_process_group("nccl" if cuda else "gloo")
    return dist.get_rank(), dist.get_world_size(), device


def report(title: str, metrics: dict[str, float]) -> None:
    print(title, "  ".join(f"{name} {value:.4f}" for name, value in metrics.items()), flush=True)


def train(args: argparse.Namespace, rank: int, world_size: int, device: torch.device):
    """Train with the options in ``args``; returns the last validation metrics. With early
    stopping, the weights of the epoch with the lowest validation loss are kept."""
    torch.manual_seed(args.seed)
    model = __NET__().to(device)
    if args.load:
        model.load_state_dict(load_weights(args.load))
    torch.manual_seed(args.seed + rank)
    train_arrays, val_arrays = load_data(args.data)
    train_set = make_batches(train_arrays, device, args, train=True)
    val_set = make_batches(val_arrays, device, args, train=False)
    network = model
    if world_size > 1:
        device_ids = [device.index] if device.type == "cuda" else None
        network = DistributedDataParallel(model, device_ids=device_ids)
    optimizer = make_optimizer(network.parameters(), args.lr)
%%scheduler
    best = BestWeights(keep=EARLY_STOPPING)
    for epoch in range(args.epochs):
        order = epoch_order(len(train_set), args.seed, epoch, rank, world_size)
        batches = train_set.batches(order, args.batch_size, epoch)
        totals = train_epoch(network, optimizer, scheduler, batches)
        if world_size > 1:
            dist.all_reduce(totals)
%%per_epoch
        metrics = validation_metrics(model, HEADS, INPUTS, val_set, rank, world_size)
        best.update(model, metrics["loss"], epoch + 1)
        if rank == 0:
            loss = totals[0].item() / totals[1].item()
            report(f"epoch {epoch + 1}/{args.epochs}  train loss {loss:.4f}  val", metrics)
%%stopping
    best.restore(model)
    metrics = validation_metrics(model, HEADS, INPUTS, val_set, rank, world_size)
    if rank == 0:
        report("final", metrics)
    if rank == 0 and args.save:
        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        save_file(state, args.save)
        print(f"saved the weights to {args.save}", flush=True)
    if rank == 0 and args.metrics:
        with open(args.metrics, "w", encoding="utf-8") as file:
            json.dump(metrics, file, indent=2)
    return metrics


def default_data_path() -> str:
    """DATA_PATH, a relative one taken from the folder of this file."""
    if not DATA_PATH or os.path.isabs(DATA_PATH):
        return DATA_PATH
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), DATA_PATH)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options; their defaults are the project's settings."""
    parser = argparse.ArgumentParser(description="Train the network designed in NN Designer.")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="passes over the data")
    parser.add_argument("--lr", type=float, default=LEARNING_RATE, help="learning rate")
    parser.add_argument(
        "--batch-size", type=int, default=BATCH_SIZE, help="samples per step and process"
    )
    parser.add_argument("--device", default=DEVICE, choices=("auto", "cpu", "cuda", "mps"))
    parser.add_argument("--seed", type=int, default=SEED, help="seed of weights and shuffling")
    parser.add_argument("--data", default=default_data_path(), help=DATA_HELP)
%%workers
    parser.add_argument("--save", metavar="PATH", help="write the trained weights here")
    parser.add_argument("--load", metavar="PATH", help="start from these weights")
    parser.add_argument("--metrics", metavar="PATH", help="write the final metrics here (JSON)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = parse_args(argv)
    rank, world_size, device = setup(args.device)
    if rank == 0:
        print(f"training {PROJECT_NAME!r} on {device} ({world_size} process(es))", flush=True)
    try:
        metrics = train(args, rank, world_size, device)
        if world_size > 1:
            dist.barrier()  # all processes finish before any of them tears the group down
        return metrics
    finally:
        if world_size > 1:
            gc.collect()  # frees the DDP wrapper (cycles hold the group) before teardown
            dist.destroy_process_group()


if __name__ == "__main__":
    main()'''

"""The fixed text of the exported training script, with the holes `script` fills.

Kept apart from the code that assembles the script so that the training program reads as
one piece, as it will in the exported file. ``TEMPLATE`` is everything after the model
class: a line ``%%name`` is replaced by the lines of part ``name`` (the settings-dependent
statements and the optional blocks below), and ``__NET__`` by the model class's name.
``CLASSIFICATION`` and ``REGRESSION`` are the two ways to sum up validation results;
``__PREDICTION__`` in the first is the loss's prediction rule.
"""

DOCSTRING = '''"""Train a neural network designed with NN Designer.

Run ``python model.py`` to train it, printing the metrics after every epoch, and
``python model.py --help`` for the options. ``torchrun --nproc_per_node=2 model.py`` trains
on two processes with DistributedDataParallel. ``import model`` only defines the network
class and its helpers, without training.
"""'''

CLIP = "        nn.utils.clip_grad_norm_(network.parameters(), max_norm=GRAD_CLIP)"
PER_BATCH = "        scheduler.step()"
PER_EPOCH = """\
        if scheduler is not None:
            scheduler.step()"""
STOPPING_SETUP = "    best, stale = math.inf, 0"
STOPPING = """\
        if metrics["loss"] < best:
            best, stale = metrics["loss"], 0
        else:
            stale += 1
        if stale >= PATIENCE:
            if rank == 0:
                print(f"stopping early: no improvement for {PATIENCE} epochs")
            break"""
CLASSIFICATION = '''\
SUM_COUNT = 3


def predict(output: torch.Tensor) -> torch.Tensor:
    """The predicted class of each sample."""
    return __PREDICTION__


def batch_sums(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Summed loss, correct predictions and sample count of one batch: sums add up over
    batches and processes, means would not."""
    loss = criterion(output, target, reduction="sum")
    correct = (predict(output) == target.reshape(-1)).sum()
    count = torch.tensor(len(target), device=target.device)
    return torch.stack([loss.double(), correct.double(), count.double()])


def summarize(sums: torch.Tensor) -> dict[str, float]:
    """Mean loss and accuracy from the summed batch results."""
    loss, correct, count = sums.tolist()
    return {"loss": loss / count, "accuracy": correct / count}'''

REGRESSION = '''\
SUM_COUNT = 2 + 4 * math.prod(OUTPUT_SHAPE)


def batch_sums(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Summed loss, row count, errors and target moments of one batch: sums add up over
    batches and processes, means would not. R² is computed from them per output value."""
    loss = criterion(output, target, reduction="sum").double().reshape(1)
    output = output.double().reshape(len(output), -1)
    target = target.double().reshape(len(target), -1)
    error = output - target
    rows = torch.tensor([len(target)], dtype=torch.float64, device=target.device)
    moments = [error.abs().sum(0), (error**2).sum(0), target.sum(0), (target**2).sum(0)]
    return torch.cat([loss, rows, *moments])


def summarize(sums: torch.Tensor) -> dict[str, float]:
    """Mean loss, mean absolute error and R² (averaged over the output values)."""
    loss, rows = sums[0].item(), sums[1].item()
    absolute, squared, total, total_squared = sums[2:].reshape(4, -1)
    variance = total_squared - total**2 / rows
    values = rows * len(total)
    r2 = (1 - squared / variance).mean().item()
    return {"loss": loss / values, "mae": absolute.sum().item() / values, "r2": r2}'''

TEMPLATE = '''\
def criterion(output: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """The loss of the network's Output layer."""
%%loss


%%metrics


def to_tensors(x, y, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets as the tensors the network and its loss expect."""
    if tuple(x.shape[1:]) != INPUT_SHAPE:
        raise SystemExit(
            f"the data has samples of shape {tuple(x.shape[1:])}, "
            f"but the network expects {INPUT_SHAPE}"
        )
    if y.size != len(y) * math.prod(OUTPUT_SHAPE) and y.ndim > 1:
        raise SystemExit(f"the targets have shape {y.shape[1:]}, the outputs {OUTPUT_SHAPE}")
    inputs = torch.as_tensor(x, dtype=INPUT_DTYPE)
%%target
    return inputs.to(device), target.to(device)


def load_weights(path: str) -> dict[str, torch.Tensor]:
    """Weights written by ``--save`` or NN Designer (safetensors), or a torch state dict."""
    if path.endswith((".pt", ".pth")):
        return torch.load(path, map_location="cpu", weights_only=True)
    return load_file(path)


def make_optimizer(parameters, lr: float) -> torch.optim.Optimizer:
    """The optimizer of the project's training settings."""
%%optimizer


def make_scheduler(optimizer: torch.optim.Optimizer, lr: float, epochs: int, steps: int):
    """The learning-rate schedule of the project's training settings, or None."""
%%scheduler


def pick_device(name: str) -> torch.device:
    """The requested device; "auto" takes a GPU when there is one."""
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


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


def shard(count: int, rank: int, world_size: int, seed: int, epoch: int) -> torch.Tensor:
    """This process's part of a shuffled epoch, drawn as DistributedSampler does: the order
    depends only on the seed and the epoch, and every process gets as many samples as the
    others (the order wraps around), so all of them take the same number of steps."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed + epoch))
    total = math.ceil(count / world_size) * world_size
    order = order.repeat(math.ceil(total / count))[:total]
    return order[rank::world_size]


def train_epoch(network, optimizer, scheduler, inputs, targets, order, batch_size: int):
    """One pass over this process's shard; returns the summed loss and the sample count."""
    network.train()
    totals = torch.zeros(2, dtype=torch.float64, device=inputs.device)
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        optimizer.zero_grad(set_to_none=True)
        loss = criterion(network(inputs[batch]), targets[batch])
        loss.backward()
%%clip
        optimizer.step()
%%per_batch
        totals += torch.stack([loss.detach().double() * len(batch), totals.new_tensor(len(batch))])
    return totals


@torch.no_grad()
def evaluate(model, inputs, targets, rank: int, world_size: int, batch_size: int):
    """Validation metrics; each process takes every world_size-th sample, then the sums
    are added up over the processes. The bare model is used (not the DDP wrapper), so
    processes with fewer samples never wait for the others."""
    model.eval()
    sums = torch.zeros(SUM_COUNT, dtype=torch.float64, device=inputs.device)
    rows = torch.arange(rank, len(inputs), world_size, device=inputs.device)
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        sums += batch_sums(model(inputs[batch]), targets[batch])
    if world_size > 1:
        dist.all_reduce(sums)
    return summarize(sums)


def report(title: str, metrics: dict[str, float]) -> None:
    print(title, "  ".join(f"{name} {value:.4f}" for name, value in metrics.items()), flush=True)


def train(args: argparse.Namespace, rank: int, world_size: int, device: torch.device):
    """Train with the options in ``args``; returns the last validation metrics."""
    torch.manual_seed(args.seed)
    model = __NET__().to(device)
    if args.load:
        model.load_state_dict(load_weights(args.load))
    torch.manual_seed(args.seed + rank)
    x_train, y_train, x_val, y_val = load_data()
    inputs, targets = to_tensors(x_train, y_train, device)
    val_inputs, val_targets = to_tensors(x_val, y_val, device)
    network = model
    if world_size > 1:
        device_ids = [device.index] if device.type == "cuda" else None
        network = DistributedDataParallel(model, device_ids=device_ids)
    optimizer = make_optimizer(network.parameters(), args.lr)
    steps = math.ceil(math.ceil(len(inputs) / world_size) / args.batch_size)
    scheduler = make_scheduler(optimizer, args.lr, args.epochs, steps)
    metrics = evaluate(model, val_inputs, val_targets, rank, world_size, args.batch_size)
    if rank == 0 and args.epochs == 0:
        report("validation", metrics)
%%stopping_setup
    for epoch in range(args.epochs):
        order = shard(len(inputs), rank, world_size, args.seed, epoch).to(device)
        totals = train_epoch(network, optimizer, scheduler, inputs, targets, order, args.batch_size)
        if world_size > 1:
            dist.all_reduce(totals)
        metrics = evaluate(model, val_inputs, val_targets, rank, world_size, args.batch_size)
        if rank == 0:
            loss = totals[0].item() / totals[1].item()
            report(f"epoch {epoch + 1}/{args.epochs}  train loss {loss:.4f}  val", metrics)
%%per_epoch
%%stopping
    if rank == 0 and args.save:
        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        save_file(state, args.save)
        print(f"saved the weights to {args.save}", flush=True)
    return metrics


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
    parser.add_argument("--save", metavar="PATH", help="write the trained weights here")
    parser.add_argument("--load", metavar="PATH", help="start from these weights")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = parse_args(argv)
    rank, world_size, device = setup(args.device)
    if rank == 0:
        print(f"training {PROJECT_NAME} on {device} ({world_size} process(es))", flush=True)
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

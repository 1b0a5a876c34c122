"""The rule table: every linter rule, with its id, title, severity, explanation and fix.

Ids are stable (files save them when a rule is silenced): NN1xx are about what a layer
takes its input's axes to mean, NN2xx about how the network ends and what its loss
expects, NN3xx about what makes training slow or unstable, NN4xx about what a short
training run measured inside the network (pre-flight and gradient flow). A new rule is one
entry here and a check (and maybe a fix) in `axes`, `ends`, `training` or `gradients`.
"""

from __future__ import annotations

from collections.abc import Mapping

from designer.model.analysis import ERROR, MEMORY_RULE, WARNING
from designer.model.lint import axes, ends, gradients, training
from designer.model.lint.base import Rule

LINEAR_ON_CHANNELS = "NN101"
EMBEDDING_TOO_SMALL = "NN102"
AXES_SWAPPED = "NN103"
SCORES_PER_POSITION = "NN104"
SIGMOID_THEN_BCE = "NN201"
SOFTMAX_THEN_CROSS_ENTROPY = "NN202"
SQUASHED_OUTPUT = "NN203"
OUTPUT_UNITS = "NN204"
BOUNDED_REGRESSION = "NN205"
BCE_WITHOUT_PROBABILITIES = "NN206"
STACKED_LINEARS = "NN301"
BATCH_NORM_ONE_SAMPLE = "NN302"
BATCH_NORM_AT_OUTPUT = "NN303"
DEEP_PLAIN_CHAIN = "NN304"
LEARNING_RATE = "NN305"
ACTIVATION_MEMORY = MEMORY_RULE
CANNOT_OVERFIT = "NN401"
VANISHING_GRADIENT = "NN402"
EXPLODING_GRADIENT = "NN403"
DEAD_RELUS = "NN404"
BADLY_SCALED_WEIGHTS = "NN405"

RULE_LIST: tuple[Rule, ...] = (
    Rule(
        LINEAR_ON_CHANNELS,
        "Linear on an image or feature map that is not flattened",
        WARNING,
        "A Linear layer mixes the values along the last axis of its input only. Given an "
        "image or a convolution's C × H × W output it therefore works on each row of "
        "pixels on its own and keeps the other axes, so the network ends with a map where "
        "one vector per sample was meant, and training fails against per-sample targets. "
        "A Flatten before the Linear turns the whole map into one feature vector.",
        axes.linear_on_channels,
        axes.flatten_before,
        explains=(SCORES_PER_POSITION,),
    ),
    Rule(
        EMBEDDING_TOO_SMALL,
        "Embedding smaller than the vocabulary",
        ERROR,
        "An Embedding holds one row per token id, so it can look up ids 0 to rows − 1 "
        "only. The token Input feeding it declares how many ids there are (its "
        "vocabulary); with fewer rows, the first larger id in a batch stops training with "
        "an IndexError. Give the Embedding as many rows as the vocabulary.",
        axes.embedding_too_small,
        axes.rows_to_vocabulary,
    ),
    Rule(
        AXES_SWAPPED,
        "Steps and channels swapped",
        WARNING,
        "Conv1d and the 1-D pooling layers take channels × length: they slide along the "
        "last axis and mix the first. A sequence Input (and every sequence layer) is "
        "steps × features, the other way round, so a Conv1d given it slides along the "
        "features and treats the time steps as channels. Recurrent layers and attention "
        "expect steps × features and get the reverse from a convolution. A Permute (1, 0) "
        "between them swaps the two axes.",
        axes.axes_swapped,
        axes.permute_before,
    ),
    Rule(
        SCORES_PER_POSITION,
        "Scores per position, labels per sample",
        ERROR,
        "Cross-entropy reads the first axis of an output as the classes and every further "
        "axis as positions, each with a label of its own (a segmentation mask). When the "
        "data has one label per sample, pool the positions away first, e.g. with global "
        "average pooling, so the output is one score per class.",
        fix=axes.pool_before_output,
        needs="data",
    ),
    Rule(
        SIGMOID_THEN_BCE,
        "Sigmoid followed by binary cross-entropy",
        WARNING,
        "Binary cross-entropy on probabilities computes log(p), and a sigmoid rounds large "
        "scores to exactly 0 or 1 in floating point, where the log is infinite and the "
        "gradient vanishes. Binary cross-entropy with logits takes the score before the "
        "sigmoid and computes the same loss in a stable way; predictions are then class 1 "
        "where the score is above 0.",
        ends.sigmoid_then_bce,
        ends.use_logits,
    ),
    Rule(
        SOFTMAX_THEN_CROSS_ENTROPY,
        "Softmax before cross-entropy",
        WARNING,
        "Cross-entropy takes raw class scores (logits) and applies a log-softmax itself. "
        "A Softmax layer before it makes the loss apply softmax twice, which squeezes the "
        "scores together and slows learning; a LogSoftmax before it is redundant. Remove "
        "the layer: the highest score is still the predicted class.",
        ends.softmax_then_cross_entropy,
        ends.remove_layer,
    ),
    Rule(
        SQUASHED_OUTPUT,
        "Dropout or an activation right before the output",
        WARNING,
        "The last layer's values are the predictions. Dropout there zeroes some of them "
        "at random while training, so the loss judges predictions with holes in them. "
        "An activation there bends the scores that cross-entropy and binary cross-entropy "
        "with logits expect to be raw: a ReLU cannot give negative scores, a tanh bounds "
        "them. Put dropout before the last layer with weights, and end with no activation.",
        ends.squashed_before_output,
        ends.remove_dropout_or_activation,
    ),
    Rule(
        OUTPUT_UNITS,
        "Output size does not match the data",
        ERROR,
        "The Output must have as many values as the data has answers: one score per class "
        "for cross-entropy, one score for binary cross-entropy, one value per target for "
        "a regression. The layer before it (usually a Linear) sets that number.",
        fix=ends.fit_output_units,
        needs="data",
    ),
    Rule(
        BOUNDED_REGRESSION,
        "Output activation cannot reach the targets",
        WARNING,
        "A sigmoid gives values between 0 and 1, a tanh between −1 and 1, a ReLU no "
        "negative values. When the regression targets lie outside that range the network "
        "cannot predict them however long it trains, and the gradients vanish as it tries. "
        "End a regression with no activation (or scale the targets into the range).",
        ends.bounded_regression,
        ends.unbounded_output,
        needs="data",
    ),
    Rule(
        BCE_WITHOUT_PROBABILITIES,
        "Binary cross-entropy without a sigmoid",
        ERROR,
        "Binary cross-entropy (on probabilities) needs its input between 0 and 1, and "
        "torch stops with an error at the first value outside. Without a sigmoid before "
        "it, use binary cross-entropy with logits, which takes any real score.",
        ends.bce_without_probabilities,
        ends.logits_loss,
    ),
    Rule(
        STACKED_LINEARS,
        "Two Linear layers with nothing between",
        WARNING,
        "A Linear layer computes W·x + b. Two in a row compute W2·(W1·x + b1) + b2, which "
        "is again one Linear layer: without an activation between them the second adds "
        "parameters and time but nothing a single layer could not learn. Give the first "
        "an activation such as ReLU.",
        training.stacked_linears,
        training.relu_after,
    ),
    Rule(
        BATCH_NORM_ONE_SAMPLE,
        "BatchNorm with batches of one sample",
        WARNING,
        "BatchNorm normalizes each feature with the mean and spread of the current batch. "
        "With one sample per batch there is no spread to measure: a feature vector cannot "
        "be normalized at all (torch refuses), an image only over its own pixels. Train "
        "with larger batches, or use LayerNorm or GroupNorm, which do not need a batch.",
        training.batch_norm_on_one_sample,
        training.larger_batches,
        needs="training",
    ),
    Rule(
        BATCH_NORM_AT_OUTPUT,
        "BatchNorm right before the output",
        WARNING,
        "BatchNorm rescales its input to the batch's mean and spread. Right before the "
        "Output it does that to the predictions, which then follow the batch, not the "
        "targets. Normalize hidden layers and let the last layer's output through as it is.",
        training.batch_norm_before_output,
        training.remove_batch_norm,
    ),
    Rule(
        DEEP_PLAIN_CHAIN,
        "Deep chain with neither normalization nor skip connections",
        WARNING,
        "Backpropagation multiplies the gradient by each layer's weights on its way back. "
        "Through many layers in a row this product tends to vanish or explode, so the "
        "first layers barely learn. Normalization layers (BatchNorm, LayerNorm) keep the "
        "values in range, and skip connections (an Add around a block) give the gradient "
        "a short way back.",
        training.deep_plain_chain,
    ),
    Rule(
        LEARNING_RATE,
        "Learning rate far outside the optimizer's usual range",
        WARNING,
        "Each optimizer step moves the weights by about the learning rate (Adam) or the "
        "rate times the gradient (SGD). Far above the usual range the loss jumps around "
        "or becomes NaN; far below it, training barely moves in the epochs given. Adam, "
        "AdamW and RMSprop usually work between 1e-5 and 1e-2 (1e-3 is a good start), SGD "
        "between 1e-4 and 0.3.",
        training.learning_rate_out_of_range,
        training.usual_learning_rate,
        needs="training",
    ),
    Rule(
        ACTIVATION_MEMORY,
        "Activation memory per sample over the budget",
        WARNING,
        "Training keeps every layer's output for the backward pass, with a gradient of "
        "the same size. When one sample needs hundreds of megabytes, a batch needs "
        "gigabytes and the run stops with an out-of-memory error. Smaller inputs, fewer "
        "channels or earlier pooling shrink it.",
    ),
    Rule(
        CANNOT_OVERFIT,
        "Cannot learn one batch by heart",
        WARNING,
        "A network that can learn at all drives the loss on one small batch towards zero "
        "within a few dozen steps: it memorizes it. The pre-flight check trains a copy of "
        "the design on one batch; when the loss does not fall, something stops learning "
        "before data or training time are to blame: a zero or constant initialization "
        "(every unit computes the same), weights so large the outputs saturate, ReLUs "
        "that never fire, a gradient that vanishes on its way back, or a learning rate far "
        "too high or too low. The finding names the layer or the setting most likely at "
        "fault.",
        gradients.cannot_overfit,
        gradients.rate_fix,
        needs="probes",
    ),
    Rule(
        VANISHING_GRADIENT,
        "Vanishing gradient",
        WARNING,
        "The gradient reaches each layer by flowing back from the loss through every "
        "layer after it, multiplied by their weights and activation slopes on the way. "
        "When it comes out thousands of times smaller than elsewhere, this layer and "
        "those before it barely change. Saturating activations (sigmoid, tanh), tiny or "
        "zero weights after it and long plain chains are the usual causes; ReLU-like "
        "activations, normalization and skip connections keep it alive.",
        gradients.vanishing_gradient,
        needs="probes",
    ),
    Rule(
        EXPLODING_GRADIENT,
        "Exploding gradient",
        WARNING,
        "A gradient that grows on its way back makes every step throw the weights far "
        "away from where they were, so the loss jumps about or becomes NaN. Weights "
        "initialized too large are the usual cause; normalization layers, gradient "
        "clipping (in the training settings) and a lower learning rate tame it.",
        gradients.exploding_gradient,
        needs="probes",
    ),
    Rule(
        DEAD_RELUS,
        "Dead ReLUs",
        WARNING,
        "A ReLU passes no gradient where its input is negative. A unit whose input is "
        "negative for every sample never fires and never learns again; when most of a "
        "layer's units are like that, the layer is dead. Large negative biases, a "
        "learning rate too high, or a bad initialization cause it; LeakyReLU or GELU "
        "always pass some gradient.",
        gradients.dead_relus,
        needs="probes",
    ),
    Rule(
        BADLY_SCALED_WEIGHTS,
        "Initial weights all equal or far too large",
        WARNING,
        "Training tells a layer's units apart only through their different starting "
        "weights. When every weight starts with the same value (all zeros, say), every "
        "unit computes the same output, receives the same gradient and takes the same "
        "step, so they stay identical for ever and the layer is as good as one unit wide. "
        "Weights far too large make the opposite mistake: each layer multiplies the spread "
        "of its input, the values explode through the network and saturate the loss. "
        "Start from small random weights scaled to the layer's inputs, as torch's layers "
        "do by default.",
        gradients.badly_scaled_weights,
        needs="probes",
    ),
)

RULES: Mapping[str, Rule] = {rule.id: rule for rule in RULE_LIST}

package ai.goldilocks.examples;

import static com.google.common.base.Preconditions.checkArgument;

import picocli.CommandLine.Option;

/**
 * The shape of a GRPO step, shared by the commands that train (a picocli mixin): B questions, G
 * rollouts each.
 */
final class GroupShape {
  @Option(names = "--batch", defaultValue = "16", description = "Questions per GRPO step, B (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--group-size", defaultValue = "8", description = "Rollouts per question, G (default: ${DEFAULT-VALUE}).")
  int groupSize;

  /** Refuses a shape GRPO cannot learn from: no question, or a group without a comparison. */
  void check() {
    checkArgument(batch >= 1, "--batch must be >= 1, got %s", batch);
    checkArgument(groupSize >= 2, "--group-size must be >= 2, got %s", groupSize);
  }

  /** Rollouts per step, B x G. */
  long rolloutsPerStep() {
    return (long) batch * groupSize;
  }
}

package ai.goldilocks.grpo.math;

/** Thrown when evaluating would exceed the budget or produce a number too large to hold. */
final class TooCostly extends RuntimeException {
  private static final long serialVersionUID = 1L;

  TooCostly(String message) {
    super(message, null, false, false);
  }
}

package ai.goldilocks.grpo.math;

/**
 * The work allowed for one comparison. Every arithmetic operation is charged roughly the number of
 * machine-word operations it costs, so that the verdict on a costly input is the same on every
 * machine; a wall-clock deadline backs this up for anything the charges miss.
 */
final class Budget {
  private final long limit;
  private long work;
  private final long deadline;
  private int calls;

  Budget(long work, long nanos) {
    this.limit = work;
    this.work = work;
    this.deadline = System.nanoTime() + nanos;
  }

  void charge(long units) {
    work -= units;
    if (work < 0) {
      throw new TooCostly("the work budget per comparison was spent");
    }
    if ((++calls & 63) == 0 && System.nanoTime() > deadline) {
      throw new TooCostly("the time limit per comparison was reached");
    }
  }

  /** The work charged so far. */
  long used() {
    return limit - work;
  }
}

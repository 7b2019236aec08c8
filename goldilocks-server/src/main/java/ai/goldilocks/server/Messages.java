package ai.goldilocks.server;

import java.util.List;

/** The typed requests and answers of the API, as {@link ApiJson} reads and writes them. */
final class Messages {
  private Messages() {}

  /** {@code POST /v1/picks}: the picks of {@code step}, {@code n} of them. */
  record PicksRequest(long step, long n) {}

  /** {@code POST /v1/rewards}: reward items of one step, in the order posted. */
  record RewardsRequest(long step, List<RewardItem> items) {}

  /**
   * One posted reward item: its position in the request, its id (null if missing), its rewards and
   * the rollouts they belong to (null: the whole group in order), or, for an item that is not
   * well-formed, the {@code problem} (and no rewards).
   */
  record RewardItem(int index, String id, double[] rewards, int[] rollouts, String problem) {
    static RewardItem malformed(int index, String id, String problem) {
      return new RewardItem(index, id, null, null, problem);
    }
  }

  /** A refused item of a rewards request and why. */
  record Rejection(int index, String id, String reason) {}

  /** The answer to a rewards request: counts by outcome and the refused items, by position. */
  record RewardsAnswer(long step, int accepted, int duplicate, int stale, int completed, List<Rejection> rejected) {}
}

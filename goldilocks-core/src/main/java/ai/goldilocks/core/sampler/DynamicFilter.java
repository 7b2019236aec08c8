package ai.goldilocks.core.sampler;

import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.objective.RewardStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * How one training step gets its batch of rolled-out groups from a {@link Sampler}: the one path
 * for every caller, with or without DAPO-style dynamic sampling.
 *
 * <p>The caller drives and the data flows one way. {@link #start} opens a {@link Fill};
 * {@link Fill#nextRound()} hands out the questions to roll out; the caller rolls them out and
 * {@linkplain Fill#offer offers} each group back with its rewards and its own group object, which
 * sends the feedback to the sampler; when {@code nextRound()} returns an empty list the
 * {@link Fill#batch()} holds the caller's groups to train on. The filter never calls the caller.
 *
 * <p>{@link #passThrough} keeps every group of one round of {@code batchSize} questions (no
 * filtering). {@link #of} drops the groups whose rewards are all equal (they carry no GRPO
 * gradient) and refills, requesting {@code overSample} questions per missing group, at most
 * {@code maxRounds} rounds. Unlike verl's recipe it never throws when the rounds run out: the batch
 * has what it has and flags {@link Batch#capHit()}. Every group rolled out is reported to the
 * sampler and counted. Not thread-safe: one caller per instance.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class DynamicFilter {
  private final Sampler source;
  private final double overSample;
  private final int maxRounds;

  private DynamicFilter(Sampler source, double overSample, int maxRounds) {
    this.source = Objects.requireNonNull(source, "source");
    this.overSample = overSample;
    this.maxRounds = maxRounds;
  }

  /**
   * DAPO dynamic sampling over {@code source}.
   *
   * @param overSample questions requested per missing group, finite and &ge; 1 (DAPO uses about 3)
   * @param maxRounds generation rounds before giving up on a full batch, &ge; 1
   * @throws IllegalArgumentException naming the bad value
   */
  public static DynamicFilter of(Sampler source, double overSample, int maxRounds) {
    if (!(overSample >= 1) || !Double.isFinite(overSample)) {
      throw new IllegalArgumentException("overSample must be finite and >= 1, got " + overSample);
    }
    if (maxRounds < 1) {
      throw new IllegalArgumentException("maxRounds must be >= 1, got " + maxRounds);
    }
    return new DynamicFilter(source, overSample, maxRounds);
  }

  /** No filtering: one round of {@code batchSize} questions, every group kept. */
  public static DynamicFilter passThrough(Sampler source) {
    return new DynamicFilter(source, 0, 1);
  }

  /** Whether zero-variance groups are dropped and refilled (false for {@link #passThrough}). */
  public boolean filtering() {
    return overSample > 0;
  }

  /** The source sampler. */
  public Sampler source() {
    return source;
  }

  /**
   * The outcome of one {@link Fill}.
   *
   * @param groups the caller's groups to train on, in the order offered, at most the batch size
   *     (with filtering: only groups whose rewards differ)
   * @param rolloutsSpent rollouts generated, including the dropped groups' and any surplus
   * @param groupsRolledOut groups generated
   * @param groupsDropped zero-variance groups dropped (0 without filtering)
   * @param zeroVarianceGroups groups generated whose rewards were all equal, dropped or kept
   * @param rounds generation rounds used
   * @param capHit whether the round cap stopped filling before the batch was full
   * @param <G> the caller's group type
   */
  public record Batch<G>(List<G> groups, long rolloutsSpent, int groupsRolledOut, int groupsDropped, int zeroVarianceGroups,
      int rounds, boolean capHit) {
    /** Copies the list. */
    public Batch {
      groups = List.copyOf(groups);
    }
  }

  /**
   * Starts filling one batch.
   *
   * @param batchSize groups wanted, &ge; 1
   * @param groupSize rewards every offered group must have, &ge; 2
   * @param policyVersion the version stamped on the feedback sent to the source sampler
   * @param <G> the caller's group type, carried through to {@link Batch#groups()}
   */
  public <G> Fill<G> start(int batchSize, int groupSize, long policyVersion) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    if (groupSize < 2) {
      throw new IllegalArgumentException("groupSize must be >= 2, got " + groupSize);
    }
    if (policyVersion < 0) {
      throw new IllegalArgumentException("policyVersion must be >= 0, got " + policyVersion);
    }
    return new Fill<>(batchSize, groupSize, policyVersion);
  }

  /**
   * One batch being filled: rounds of questions out, groups back in.
   *
   * @param <G> the caller's group type
   */
  public final class Fill<G> {
    private final int batchSize;
    private final int groupSize;
    private final long policyVersion;
    private final List<G> kept = new ArrayList<>();
    /** The current round's questions not offered back yet. */
    private final List<Selection> open = new ArrayList<>();
    private long spent;
    private int groups;
    private int dropped;
    private int zeroVariance;
    private int rounds;

    private Fill(int batchSize, int groupSize, long policyVersion) {
      this.batchSize = batchSize;
      this.groupSize = groupSize;
      this.policyVersion = policyVersion;
    }

    /**
     * The questions of the next round, or an empty list when the batch is complete (or, with
     * filtering, the round cap is reached).
     *
     * @throws IllegalStateException if a question of the previous round was not offered back
     */
    public List<Selection> nextRound() {
      if (!open.isEmpty()) {
        throw new IllegalStateException(open.size() + " question(s) of round " + rounds + " were not offered back, e.g. '"
            + open.get(0).question().id() + "'");
      }
      if (kept.size() >= batchSize || rounds >= maxRounds) {
        return List.of();
      }
      rounds++;
      int request = filtering() ? (int) Math.min(source.pool().size(), Math.ceil((batchSize - kept.size()) * overSample)) : batchSize;
      List<Selection> picks = source.next(request);
      open.addAll(picks);
      return picks;
    }

    /**
     * Reports the group rolled out for {@code selection} (one of this round's questions): its
     * feedback goes to the source sampler, and the group is kept unless filtering drops it.
     *
     * @param rewards one finite reward per rollout, exactly the group size
     * @param group the caller's object for the group, returned in {@link Batch#groups()}
     * @return whether the group was kept for the batch
     * @throws IllegalArgumentException naming the question and the counts when the rewards are not
     *     {@code groupSize}, or naming the reward that is not finite; nothing is recorded then
     * @throws IllegalStateException if {@code selection} is not an open question of this round
     */
    public boolean offer(Selection selection, double[] rewards, G group) {
      Objects.requireNonNull(selection, "selection");
      Objects.requireNonNull(rewards, "rewards");
      Objects.requireNonNull(group, "group");
      String id = selection.question().id();
      int at = indexOf(selection);
      if (at < 0) {
        throw new IllegalStateException("question '" + id + "' is not an open question of round " + rounds
            + " (offered twice, or not handed out by nextRound())");
      }
      if (rewards.length != groupSize) {
        throw new IllegalArgumentException("question '" + id + "': " + rewards.length + " rewards for a group of " + groupSize);
      }
      RolloutFeedback fb = new RolloutFeedback(id, rewards, policyVersion);
      source.feedback(fb);
      open.remove(at);
      spent += rewards.length;
      groups++;
      boolean zero = RewardStats.zeroVariance(rewards);
      zeroVariance += zero ? 1 : 0;
      if (filtering() && zero) {
        dropped++;
        return false;
      }
      if (kept.size() >= batchSize) {
        return false;
      }
      kept.add(group);
      return true;
    }

    private int indexOf(Selection selection) {
      for (int i = 0; i < open.size(); i++) {
        if (open.get(i) == selection) {
          return i;
        }
      }
      return -1;
    }

    /**
     * The batch so far; complete once {@link #nextRound()} has returned an empty list.
     */
    public Batch<G> batch() {
      return new Batch<>(kept, spent, groups, dropped, zeroVariance, rounds, kept.size() < batchSize);
    }
  }

  /** The configuration: over-sampling factor and rounds, or pass-through. */
  @Override
  public String toString() {
    return filtering() ? "DynamicFilter[overSample=" + overSample + ", maxRounds=" + maxRounds + "]" : "off";
  }
}

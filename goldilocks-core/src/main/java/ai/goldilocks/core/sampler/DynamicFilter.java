package ai.goldilocks.core.sampler;

import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.Selection;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * DAPO-style dynamic sampling over any {@link Sampler}: roll out more questions than needed, drop
 * the groups whose rewards are all equal (they carry no GRPO gradient), and refill until the batch
 * holds {@code batchSize} informative groups.
 *
 * <p>Unlike verl's recipe it never throws when the budget of generation rounds runs out: it returns
 * what it has, flags {@link Batch#capHit()}, and counts every rollout it spent. Every group rolled
 * out is reported to the source sampler as feedback. Not thread-safe: one caller per instance.
 */
public final class DynamicFilter {

  /** Rolls out one question and returns its group's rewards. */
  @FunctionalInterface
  public interface Rollouts {
    /** The rewards of the group rolled out for {@code selection}. */
    double[] rollout(Selection selection);
  }

  /** A group that passed the filter. */
  public record Group(Selection selection, double[] rewards) {
    /** Copies the rewards. */
    public Group {
      Objects.requireNonNull(selection, "selection");
      rewards = rewards.clone();
    }

    /** A copy of the rewards. */
    @Override
    public double[] rewards() {
      return rewards.clone();
    }
  }

  /**
   * The outcome of one {@link #fill}.
   *
   * @param groups the informative groups, at most the requested batch size
   * @param rolloutsSpent rollouts generated, including the dropped groups' and any surplus
   * @param groupsRolledOut groups generated
   * @param groupsDropped zero-variance groups dropped
   * @param rounds generation rounds used
   * @param capHit whether the round cap stopped filling before the batch was full
   */
  public record Batch(List<Group> groups, long rolloutsSpent, int groupsRolledOut, int groupsDropped, int rounds, boolean capHit) {
    /** Copies the list. */
    public Batch {
      groups = List.copyOf(groups);
    }
  }

  private final Sampler source;
  private final double overSample;
  private final int maxRounds;

  /**
   * @param source where questions come from and feedback goes
   * @param overSample questions requested per missing group, &ge; 1 (DAPO uses about 3)
   * @param maxRounds generation rounds before giving up on a full batch, &ge; 1
   */
  public DynamicFilter(Sampler source, double overSample, int maxRounds) {
    this.source = Objects.requireNonNull(source, "source");
    if (!(overSample >= 1) || !Double.isFinite(overSample)) {
      throw new IllegalArgumentException("overSample must be finite and >= 1, got " + overSample);
    }
    if (maxRounds < 1) {
      throw new IllegalArgumentException("maxRounds must be >= 1, got " + maxRounds);
    }
    this.overSample = overSample;
    this.maxRounds = maxRounds;
  }

  /** The source sampler. */
  public Sampler source() {
    return source;
  }

  /**
   * Fills a batch of up to {@code batchSize} informative groups.
   *
   * @param policyVersion the version stamped on the feedback sent to the source sampler
   */
  public Batch fill(int batchSize, long policyVersion, Rollouts rollouts) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    Objects.requireNonNull(rollouts, "rollouts");
    List<Group> kept = new ArrayList<>(batchSize);
    long spent = 0;
    int groups = 0;
    int dropped = 0;
    int rounds = 0;
    while (kept.size() < batchSize && rounds < maxRounds) {
      rounds++;
      int missing = batchSize - kept.size();
      int request = (int) Math.min(source.pool().size(), Math.ceil(missing * overSample));
      for (Selection s : source.next(request)) {
        double[] r = rollouts.rollout(s);
        RolloutFeedback fb = new RolloutFeedback(s.question().id(), r, policyVersion);
        spent += r.length;
        groups++;
        source.feedback(fb);
        if (fb.isZeroVariance()) {
          dropped++;
        } else if (kept.size() < batchSize) {
          kept.add(new Group(s, r));
        }
      }
    }
    return new Batch(kept, spent, groups, dropped, rounds, kept.size() < batchSize);
  }

  /** The configuration: over-sampling factor and rounds. */
  @Override
  public String toString() {
    return "DynamicFilter[overSample=" + overSample + ", maxRounds=" + maxRounds + "]";
  }
}

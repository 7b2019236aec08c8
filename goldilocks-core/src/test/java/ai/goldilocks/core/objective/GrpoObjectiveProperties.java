package ai.goldilocks.core.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Group;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;

class GrpoObjectiveProperties {

  /** A random but reproducible problem instance. */
  record Case(double[][] rewards, double[][] lpNew, double[][] lpOld, double[][] lpRef, boolean[][] masks,
      boolean[] truncated, LossType type, double beta, boolean maskTruncated, double clipLow, double clipHigh) {

    TokenBatch batch(double[][] newLp) {
      return TokenBatch.builder().newLogProbs(newLp).oldLogProbs(lpOld).refLogProbs(lpRef).masks(masks)
          .truncated(truncated).build();
    }

    GrpoObjective objective() {
      return GrpoObjective.builder().maxCompletionLength(64).lossType(type).beta(beta).maskTruncated(maskTruncated).clipLow(clipLow)
          .clipHigh(clipHigh).build();
    }
  }

  /** One sequence's log-probabilities under the new, old and reference policies, its mask and truncation. */
  record Seq(double[] lpNew, double[] lpOld, double[] lpRef, boolean[] mask, boolean truncated) {}

  /**
   * A sequence of 1 to 6 tokens: new log-probabilities in [-3.55, -0.55], old ones within 0.5 of
   * them (ratios from 0.61 to 1.65: every clip region), reference ones within 0.5 and at most 0, one
   * token in five masked out, one sequence in four truncated. Built from jqwik arbitraries, so a
   * failure shrinks to a minimal case.
   */
  static Arbitrary<Seq> sequences() {
    return Arbitraries.integers().between(1, 6).flatMap(len -> Combinators.combine(
        Arbitraries.doubles().between(-3.55, -0.55).ofScale(6).array(double[].class).ofSize(len),
        Arbitraries.doubles().between(-0.5, 0.5).ofScale(6).array(double[].class).ofSize(len),
        Arbitraries.doubles().between(-0.5, 0.5).ofScale(6).array(double[].class).ofSize(len),
        Arbitraries.of(true, true, true, true, false).list().ofSize(len),
        Arbitraries.of(false, false, false, true)).as((lpNew, oldShift, refShift, mask, truncated) -> {
          double[] lpOld = new double[len];
          double[] lpRef = new double[len];
          boolean[] m = new boolean[len];
          for (int t = 0; t < len; t++) {
            lpOld[t] = lpNew[t] + oldShift[t];
            lpRef[t] = Math.min(0, lpNew[t] + refShift[t]);
            m[t] = mask.get(t);
          }
          return new Seq(lpNew, lpOld, lpRef, m, truncated);
        }));
  }

  /** 1 to 3 groups of 2 to 5 completions, with binary (0/1) or real rewards, and an objective's settings. */
  static Arbitrary<Case> cases(boolean binary) {
    Arbitrary<Double> reward = binary ? Arbitraries.of(0.0, 1.0) : Arbitraries.doubles().between(-3, 3).ofScale(4);
    return Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.integers().between(2, 5)).flatAs((groups, g) ->
        Combinators.combine(reward.list().ofSize(g).list().ofSize(groups), sequences().list().ofSize(groups * g),
            Arbitraries.of(LossType.class), Arbitraries.of(0.0, 0.04, 0.5), Arbitraries.of(false, true), Arbitraries.of(0.2, 0.28))
            .as((rewardLists, seqs, type, beta, maskTruncated, clipHigh) -> {
              double[][] rewards = new double[groups][g];
              for (int i = 0; i < groups; i++) {
                for (int j = 0; j < g; j++) {
                  rewards[i][j] = rewardLists.get(i).get(j);
                }
              }
              int n = groups * g;
              double[][] lpNew = new double[n][];
              double[][] lpOld = new double[n][];
              double[][] lpRef = new double[n][];
              boolean[][] masks = new boolean[n][];
              boolean[] truncated = new boolean[n];
              for (int i = 0; i < n; i++) {
                Seq q = seqs.get(i);
                lpNew[i] = q.lpNew().clone();
                lpOld[i] = q.lpOld().clone();
                lpRef[i] = q.lpRef().clone();
                masks[i] = q.mask().clone();
                truncated[i] = q.truncated();
              }
              return new Case(rewards, lpNew, lpOld, lpRef, masks, truncated, type, beta, maskTruncated, 0.2, clipHigh);
            }));
  }

  @Provide
  Arbitrary<Case> binaryCases() {
    return cases(true);
  }

  @Provide
  Arbitrary<Case> realCases() {
    return cases(false);
  }

  @Provide
  Arbitrary<Case> anyCases() {
    return Arbitraries.oneOf(cases(true), cases(false));
  }

  @Group
  class AdvantageInvariants {
    @Property
    void advantagesHaveZeroMeanPerGroup(@ForAll("realCases") Case c, @ForAll RewardScaling scaling) {
      Advantages a = Advantages.compute(c.rewards, scaling, 1e-4);
      int g = c.rewards[0].length;
      double[] v = a.values();
      for (int i = 0; i < c.rewards.length; i++) {
        double s = 0;
        double scale = 0;
        for (int j = 0; j < g; j++) {
          s += v[i * g + j];
          scale += Math.abs(v[i * g + j]);
        }
        assertEquals(0.0, s, 1e-12 * Math.max(1, scale), "group " + i);
      }
    }

    @Property
    void groupScalingIsInvariantToPositiveAffineTransforms(@ForAll("realCases") Case c,
        @ForAll @DoubleRange(min = 0.01, max = 100) double scale, @ForAll @DoubleRange(min = -100, max = 100) double shift) {
      double[][] moved = new double[c.rewards.length][];
      for (int i = 0; i < moved.length; i++) {
        moved[i] = c.rewards[i].clone();
        for (int j = 0; j < moved[i].length; j++) {
          moved[i][j] = scale * moved[i][j] + shift;
        }
      }
      // eps = 0 makes the invariance exact up to rounding
      double[] a = Advantages.compute(c.rewards, RewardScaling.GROUP, 0).values();
      double[] b = Advantages.compute(moved, RewardScaling.GROUP, 0).values();
      for (int i = 0; i < a.length; i++) {
        assertEquals(a[i], b[i], 1e-8 * Math.max(1, Math.abs(a[i])), "sequence " + i);
      }
    }

    @Property
    void zeroVarianceGroupsGiveZeroAdvantagesAndCoefficients(@ForAll("realCases") Case c, @ForAll RewardScaling scaling,
        @ForAll @DoubleRange(min = -5, max = 5) double constant) {
      c.rewards[0] = new double[c.rewards[0].length];
      java.util.Arrays.fill(c.rewards[0], constant);
      Advantages adv = Advantages.compute(c.rewards, scaling, 1e-4);
      int g = c.rewards[0].length;
      for (int j = 0; j < g; j++) {
        assertEquals(0.0, adv.values()[j], "zero-variance group must give exactly 0");
      }
      assertTrue(adv.zeroVarianceGroups() >= 1);
      GrpoObjective obj = GrpoObjective.builder().maxCompletionLength(64).lossType(c.type).beta(0).rewardScaling(scaling).build();
      GrpoResult r = obj.evaluate(c.rewards, c.batch(c.lpNew));
      for (int i = 0; i < g; i++) {
        for (double coef : r.coefficients()[i]) {
          assertEquals(0.0, coef, "sequence " + i + " of a zero-variance group");
        }
      }
    }
  }

  @Group
  class Gradients {
    @Property(tries = 300)
    void everyCoefficientEqualsTheFiniteDifferenceDerivative(@ForAll("anyCases") Case c) {
      GrpoObjective obj = c.objective();
      double[] adv = obj.advantages(c.rewards).values();
      GrpoResult base = obj.evaluate(c.batch(c.lpNew), adv);
      double h = 1e-6;
      for (int i = 0; i < c.lpNew.length; i++) {
        for (int t = 0; t < c.lpNew[i].length; t++) {
          double ratio = Math.exp(c.lpNew[i][t] - c.lpOld[i][t]);
          if (Math.abs(ratio - (1 - c.clipLow)) < 1e-4 || Math.abs(ratio - (1 + c.clipHigh)) < 1e-4) {
            continue; // the loss has a kink exactly there
          }
          double[][] plus = deepCopy(c.lpNew);
          double[][] minus = deepCopy(c.lpNew);
          plus[i][t] += h;
          minus[i][t] -= h;
          double fd = (obj.evaluate(c.batch(plus), adv).loss() - obj.evaluate(c.batch(minus), adv).loss()) / (2 * h);
          double coef = base.coefficients()[i][t];
          assertTrue(Math.abs(fd - coef) <= 1e-5 * Math.abs(coef) + 1e-9,
              "token (" + i + "," + t + ") " + c.type + " beta=" + c.beta + ": coefficient " + coef + " vs finite difference " + fd);
        }
      }
    }

    @Property
    void tokensInAClippedRegionHaveZeroCoefficient(@ForAll("binaryCases") Case c) {
      GrpoObjective obj = GrpoObjective.builder().maxCompletionLength(64).lossType(c.type).beta(0).clipLow(c.clipLow).clipHigh(c.clipHigh).build();
      double[] adv = obj.advantages(c.rewards).values();
      GrpoResult r = obj.evaluate(c.batch(c.lpNew), adv);
      for (int i = 0; i < c.lpNew.length; i++) {
        for (int t = 0; t < c.lpNew[i].length; t++) {
          double ratio = Math.exp(c.lpNew[i][t] - c.lpOld[i][t]);
          boolean clipped = (ratio > 1 + c.clipHigh && adv[i] > 0) || (ratio < 1 - c.clipLow && adv[i] < 0);
          if (clipped) {
            assertEquals(0.0, r.coefficients()[i][t], "clipped token (" + i + "," + t + ")");
          }
        }
      }
    }

    @Property
    void onPolicyCoefficientsAreMinusAdvantageOverNormaliser(@ForAll("binaryCases") Case c) {
      GrpoObjective obj = GrpoObjective.builder().maxCompletionLength(64).lossType(c.type).beta(0).build();
      double[] adv = obj.advantages(c.rewards).values();
      TokenBatch onPolicy = TokenBatch.builder().newLogProbs(c.lpNew).oldLogProbs(c.lpNew).masks(c.masks).build();
      GrpoResult r = obj.evaluate(onPolicy, adv);
      for (int i = 0; i < c.lpNew.length; i++) {
        int count = 0;
        for (boolean m : c.masks[i]) {
          count += m ? 1 : 0;
        }
        double norm = c.type == LossType.GRPO ? c.lpNew.length * (double) count : r.normaliser();
        for (int t = 0; t < c.lpNew[i].length; t++) {
          double expected = c.masks[i][t] ? -adv[i] / norm : 0.0;
          assertEquals(expected, r.coefficients()[i][t], 1e-12, "token (" + i + "," + t + ")");
        }
      }
    }

    @Property
    void onPolicyWithoutOldLogProbsMatchesExplicitOld(@ForAll("binaryCases") Case c, @ForAll LossType lossType) {
      GrpoObjective obj = GrpoObjective.builder().maxCompletionLength(64).lossType(lossType).build();
      double[] adv = obj.advantages(c.rewards).values();
      GrpoResult implicit = obj.evaluate(TokenBatch.builder().newLogProbs(c.lpNew).build(), adv);
      GrpoResult explicit = obj.evaluate(TokenBatch.builder().newLogProbs(c.lpNew).oldLogProbs(c.lpNew).build(), adv);
      assertEquals(explicit.loss(), implicit.loss(), 1e-12);
      for (int i = 0; i < c.lpNew.length; i++) {
        for (int t = 0; t < c.lpNew[i].length; t++) {
          assertEquals(explicit.coefficients()[i][t], implicit.coefficients()[i][t], 1e-12);
        }
      }
    }
  }

  static double[][] deepCopy(double[][] a) {
    double[][] c = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }
}

package ai.goldilocks.core.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Group;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

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

  static Case randomCase(long seed, boolean binary) {
    Random r = new Random(seed);
    int groups = 1 + r.nextInt(3);
    int g = 2 + r.nextInt(4);
    double[][] rewards = new double[groups][g];
    for (double[] row : rewards) {
      for (int j = 0; j < g; j++) {
        row[j] = binary ? r.nextInt(2) : r.nextGaussian();
      }
    }
    int n = groups * g;
    double[][] lpNew = new double[n][];
    double[][] lpOld = new double[n][];
    double[][] lpRef = new double[n][];
    boolean[][] masks = new boolean[n][];
    boolean[] truncated = new boolean[n];
    for (int i = 0; i < n; i++) {
      int len = 1 + r.nextInt(6);
      lpNew[i] = new double[len];
      lpOld[i] = new double[len];
      lpRef[i] = new double[len];
      masks[i] = new boolean[len];
      truncated[i] = r.nextInt(4) == 0;
      for (int t = 0; t < len; t++) {
        lpNew[i][t] = -0.55 - 3 * r.nextDouble();
        lpOld[i][t] = lpNew[i][t] + (r.nextDouble() - 0.5); // ratios from 0.61 to 1.65: all clip regions
        lpRef[i][t] = Math.min(0, lpNew[i][t] + (r.nextDouble() - 0.5));
        masks[i][t] = r.nextInt(5) != 0;
      }
    }
    LossType type = LossType.values()[r.nextInt(LossType.values().length)];
    double[] betas = {0, 0.04, 0.5};
    return new Case(rewards, lpNew, lpOld, lpRef, masks, truncated, type, betas[r.nextInt(3)], r.nextBoolean(),
        0.2, r.nextBoolean() ? 0.2 : 0.28);
  }

  @Group
  class AdvantageInvariants {
    @Property
    void advantagesHaveZeroMeanPerGroup(@ForAll long seed, @ForAll RewardScaling scaling) {
      Case c = randomCase(seed, false);
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
    void groupScalingIsInvariantToPositiveAffineTransforms(@ForAll long seed,
        @ForAll @DoubleRange(min = 0.01, max = 100) double scale, @ForAll @DoubleRange(min = -100, max = 100) double shift) {
      Case c = randomCase(seed, false);
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
    void zeroVarianceGroupsGiveZeroAdvantagesAndCoefficients(@ForAll long seed, @ForAll RewardScaling scaling,
        @ForAll @DoubleRange(min = -5, max = 5) double constant) {
      Case c = randomCase(seed, false);
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
    void everyCoefficientEqualsTheFiniteDifferenceDerivative(@ForAll long seed, @ForAll boolean binary) {
      Case c = randomCase(seed, binary);
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
    void tokensInAClippedRegionHaveZeroCoefficient(@ForAll long seed) {
      Case c = randomCase(seed, true);
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
    void onPolicyCoefficientsAreMinusAdvantageOverNormaliser(@ForAll long seed) {
      Case c = randomCase(seed, true);
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
    void onPolicyWithoutOldLogProbsMatchesExplicitOld(@ForAll long seed, @ForAll @IntRange(min = 0, max = 3) int typeIndex) {
      Case c = randomCase(seed, true);
      GrpoObjective obj = GrpoObjective.builder().maxCompletionLength(64).lossType(LossType.values()[typeIndex]).build();
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

  @Provide
  Arbitrary<Long> seeds() {
    return Arbitraries.longs();
  }

  static double[][] deepCopy(double[][] a) {
    double[][] c = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }
}

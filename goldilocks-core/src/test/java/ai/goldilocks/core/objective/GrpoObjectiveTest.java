package ai.goldilocks.core.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GrpoObjectiveTest {

  @Test
  void groupAdvantagesByHand() {
    // rewards 1,0,0,1: mean 0.5, sample std sqrt(4 * 0.25 / 3) = 0.5773503, A = +-0.5 / 0.5773503 = +-0.8660254
    Advantages a = Advantages.compute(new double[][] {{1, 0, 0, 1}}, RewardScaling.GROUP, 0);
    assertEquals(0.8660254037844386, a.values()[0], 1e-12);
    assertEquals(-0.8660254037844386, a.values()[1], 1e-12);
    // no scaling (Dr. GRPO): r - mean = +-0.5
    Advantages b = Advantages.compute(new double[][] {{1, 0, 0, 1}}, RewardScaling.NONE, 1e-4);
    assertEquals(0.5, b.values()[0], 0);
    assertEquals(-0.5, b.values()[1], 0);
  }

  @Test
  void batchScalingByHand() {
    // groups {1,0} and {1,1}: batch mean 0.75, batch sample std sqrt((3 * 0.0625 + 0.5625) / 3) = 0.5
    // group 1: mean 0.5, A = +-0.5 / 0.5 = +-1; group 2 has zero variance -> 0
    Advantages a = Advantages.compute(new double[][] {{1, 0}, {1, 1}}, RewardScaling.BATCH, 0);
    assertEquals(1.0, a.values()[0], 1e-12);
    assertEquals(-1.0, a.values()[1], 1e-12);
    assertEquals(0.0, a.values()[2], 0);
    assertEquals(0.5, a.zeroVarianceFraction(), 0);
  }

  @Test
  void clippedHighTokenByHand() {
    // one token, new - old = 0.5: ratio e^0.5 = 1.6487 > 1.2, A = +1 -> loss -min(1.6487, 1.2) = -1.2, gradient 0
    GrpoObjective obj = GrpoObjective.builder().build();
    TokenBatch b = TokenBatch.builder().newLogProbs(new double[][] {{-1.0}}).oldLogProbs(new double[][] {{-1.5}}).build();
    GrpoResult r = obj.evaluate(b, new double[] {1.0});
    assertEquals(-1.2, r.loss(), 1e-12);
    assertEquals(0.0, r.coefficients()[0][0], 0);
    assertEquals(1.0, r.metrics().clipHighFraction(), 0);
    // same ratio with A = -1: min(-1.6487, -1.2) = -1.6487 -> loss 1.6487, gradient -rho A = 1.6487
    GrpoResult neg = obj.evaluate(b, new double[] {-1.0});
    assertEquals(Math.exp(0.5), neg.loss(), 1e-12);
    assertEquals(Math.exp(0.5), neg.coefficients()[0][0], 1e-12);
    assertEquals(0.0, neg.metrics().clipHighFraction(), 0);
  }

  @Test
  void klTermByHand() {
    // on-policy, A = 0, new = -1, ref = -2: x = -1, k3 = e^-1 - (-1) - 1 = 0.3678794
    // loss = beta k3 = 0.1 * 0.3678794; d/dnew = beta (1 - e^-1) = 0.0632121
    GrpoObjective obj = GrpoObjective.builder().beta(0.1).build();
    TokenBatch b = TokenBatch.builder().newLogProbs(new double[][] {{-1.0}}).refLogProbs(new double[][] {{-2.0}}).build();
    GrpoResult r = obj.evaluate(b, new double[] {0.0});
    assertEquals(0.1 * Math.exp(-1), r.loss(), 1e-12);
    assertEquals(0.1 * (1 - Math.exp(-1)), r.coefficients()[0][0], 1e-12);
    assertEquals(Math.exp(-1), r.metrics().meanKl(), 1e-12);
  }

  @Test
  void aggregationByHand() {
    // two sequences, on-policy, A = (+1, -1); seq 0 has 1 token, seq 1 has 3 tokens.
    // GRPO: coefficient = -A / (N T_i): seq0 -1/2, seq1 +1/6
    // BNPO/DAPO: -A / total tokens (4): seq0 -1/4, seq1 +1/4
    // DR_GRPO with L = 5: -A / (N L) = -A / 10
    double[][] lp = {{-1}, {-1, -2, -3}};
    double[] adv = {1, -1};
    TokenBatch b = TokenBatch.builder().newLogProbs(lp).build();
    GrpoResult grpo = GrpoObjective.builder().lossType(LossType.GRPO).build().evaluate(b, adv);
    assertEquals(-0.5, grpo.coefficients()[0][0], 1e-15);
    assertEquals(1.0 / 6, grpo.coefficients()[1][2], 1e-15);
    GrpoResult dapo = GrpoObjective.builder().lossType(LossType.DAPO).build().evaluate(b, adv);
    assertEquals(-0.25, dapo.coefficients()[0][0], 1e-15);
    assertEquals(0.25, dapo.coefficients()[1][1], 1e-15);
    // loss = -(1*1 - 1*3)/4 = 0.5
    assertEquals(0.5, dapo.loss(), 1e-15);
    GrpoResult dr = GrpoObjective.builder().lossType(LossType.DR_GRPO).maxCompletionLength(5).build().evaluate(b, adv);
    assertEquals(-0.1, dr.coefficients()[0][0], 1e-15);
    assertEquals(0.1, dr.coefficients()[1][0], 1e-15);
  }

  @Test
  void truncatedCompletionsCanBeMasked() {
    double[][] lp = {{-1, -1}, {-1, -1}};
    TokenBatch b = TokenBatch.builder().newLogProbs(lp).truncated(new boolean[] {true, false}).build();
    GrpoResult r = GrpoObjective.builder().maskTruncated(true).build().evaluate(b, new double[] {1, -1});
    assertEquals(0.0, r.coefficients()[0][0], 0);
    assertEquals(0.25, r.coefficients()[1][0], 1e-15); // -(-1) / (N=2 * T=2)
    assertEquals(2, r.metrics().tokens());
  }

  @Test
  void badInputIsRejectedWithTheOffendingIndex() {
    GrpoObjective obj = GrpoObjective.builder().build();
    IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
        () -> obj.advantages(new double[][] {{1, 0}, {0, Double.NaN}}));
    assertTrue(nan.getMessage().contains("group 1 index 1") && nan.getMessage().contains("NaN"), nan.getMessage());
    IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class,
        () -> obj.advantages(new double[][] {{1, 0}, {0, 1, 1}}));
    assertTrue(ragged.getMessage().contains("group 1"), ragged.getMessage());
    IllegalArgumentException single = assertThrows(IllegalArgumentException.class, () -> obj.advantages(new double[][] {{1}}));
    assertTrue(single.getMessage().contains("size 1"), single.getMessage());
    assertThrows(IllegalArgumentException.class, () -> obj.advantages(new double[][] {{}}));
    assertThrows(IllegalArgumentException.class, () -> obj.advantages(new double[0][]));
    IllegalArgumentException mask = assertThrows(IllegalArgumentException.class, () -> TokenBatch.builder()
        .newLogProbs(new double[][] {{-1, -1}}).masks(new boolean[][] {{true}}).build());
    assertTrue(mask.getMessage().contains("sequence 0"), mask.getMessage());
    IllegalArgumentException inf = assertThrows(IllegalArgumentException.class, () -> TokenBatch.builder()
        .newLogProbs(new double[][] {{-1, Double.NEGATIVE_INFINITY}}).build());
    assertTrue(inf.getMessage().contains("[0][1]") && inf.getMessage().contains("Infinity"), inf.getMessage());
    IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
        () -> obj.evaluate(TokenBatch.builder().newLogProbs(new double[][] {{-1}}).build(), new double[] {1, 2}));
    assertTrue(count.getMessage().contains("2 advantages"), count.getMessage());
    IllegalArgumentException noRef = assertThrows(IllegalArgumentException.class, () -> GrpoObjective.builder().beta(0.1)
        .build().evaluate(TokenBatch.builder().newLogProbs(new double[][] {{-1}}).build(), new double[] {1}));
    assertTrue(noRef.getMessage().contains("reference"), noRef.getMessage());
  }

  /** Naming traps a TRL user falls into (issue 10, item 8). */
  @Test
  void namesSayWhatTheyAreAndDrGrpoNeedsItsL() {
    for (java.lang.reflect.Method m : GrpoObjective.Builder.class.getMethods()) {
      // TRL's "epsilon" is the clip range; ours would have been the advantage constant
      org.junit.jupiter.api.Assertions.assertNotEquals("epsilon", m.getName());
    }
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> GrpoObjective.builder().lossType(LossType.DR_GRPO).build());
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("maxCompletionLength"), e.getMessage());
  }

  /** Padding may hold anything: values under a false mask are neither validated nor used. */
  @Test
  void maskedOutPaddingIsNotValidated() {
    double[][] lp = {{-0.5, -1.0, Double.NaN}, {-0.2, 7.0, Double.NEGATIVE_INFINITY}};
    double[][] clean = {{-0.5, -1.0, 0.0}, {-0.2, 0.0, 0.0}};
    boolean[][] masks = {{true, true, false}, {true, false, false}};
    double[] adv = {1.0, -1.0};
    for (LossType type : LossType.values()) {
      GrpoObjective obj = GrpoObjective.builder().lossType(type).maxCompletionLength(3).build();
      GrpoResult a = obj.evaluate(TokenBatch.builder().newLogProbs(lp).oldLogProbs(lp).masks(masks).build(), adv);
      GrpoResult b = obj.evaluate(TokenBatch.builder().newLogProbs(clean).oldLogProbs(clean).masks(masks).build(), adv);
      assertEquals(b.loss(), a.loss(), 0.0, type.toString());
      for (int i = 0; i < 2; i++) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(b.coefficients()[i], a.coefficients()[i], 0.0, type.toString());
      }
    }
    // an entry that counts is still validated, naming it
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> TokenBatch.builder().newLogProbs(lp).masks(new boolean[][] {{true, true, true}, {true, false, false}}).build());
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("newLogProbs[0][2] = NaN"), e.getMessage());
  }

  @Test
  void objectivesWithTheSameSettingsAreEqualAndToBuilderKeepsThemAll() {
    GrpoObjective a = GrpoObjective.builder().lossType(LossType.DR_GRPO).maxCompletionLength(64).clipHigh(0.28).beta(0.01)
        .rewardScaling(RewardScaling.BATCH).advantageEpsilon(1e-3).maskTruncated(true).build();
    GrpoObjective b = a.toBuilder().build();
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertEquals(a.toString(), b.toString());
    org.junit.jupiter.api.Assertions.assertNotEquals(a, a.toBuilder().beta(0.02).build());
    org.junit.jupiter.api.Assertions.assertNotEquals(a, a.toBuilder().clipLow(0.1).build());
    org.junit.jupiter.api.Assertions.assertNotEquals(GrpoObjective.builder().build(), GrpoObjective.builder().maskTruncated(true).build());
  }
}

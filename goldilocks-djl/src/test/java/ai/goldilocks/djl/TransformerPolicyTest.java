package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.Sequence;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransformerPolicyTest {
  static final CharTokenizer TOK = CharTokenizer.arithmetic();
  static final TransformerConfig TINY = new TransformerConfig(TOK.vocabSize(), 32, 2, 4, 64, 40);

  static TransformerPolicy tiny(long seed) {
    return TransformerPolicy.builder(TINY, TOK).seed(seed).learningRate(1e-3).build();
  }

  @Test
  void changingALaterTokenNeverChangesEarlierLogits() {
    try (TransformerPolicy p = tiny(1)) {
      int[] a = TOK.encode("12+34=46");
      int[] b = a.clone();
      b[6] = TOK.encode("9")[0];
      float[] la = p.logits(a);
      float[] lb = p.logits(b);
      int v = TINY.vocabSize();
      for (int i = 0; i < 6 * v; i++) {
        assertEquals(la[i], lb[i], 0f, "position " + i / v);
      }
      boolean changed = false;
      for (int i = 6 * v; i < la.length; i++) {
        changed |= la[i] != lb[i];
      }
      assertTrue(changed, "the changed token must affect its own and later positions");
    }
  }

  @Test
  void kvCacheSamplingMatchesAFullForwardPass() {
    try (TransformerPolicy p = tiny(2)) {
      SamplingConfig s = new SamplingConfig(1.0, 1.0, 12);
      int[] prompt = TOK.encode("123+45=");
      List<Completion> cached = p.generate(prompt, 6, s, 7, true);
      List<Completion> uncached = p.generate(prompt, 6, s, 7, false);
      List<Sequence> seqs = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        assertArrayEquals(uncached.get(i).sequence().completion(), cached.get(i).sequence().completion());
        seqs.add(cached.get(i).sequence());
      }
      double[][] full = p.logProbs(seqs, 1.0);
      for (int i = 0; i < 6; i++) {
        double[] lp = cached.get(i).logProbs();
        assertEquals(lp.length, full[i].length);
        for (int j = 0; j < lp.length; j++) {
          assertEquals(full[i][j], lp[j], 1e-4, "sequence " + i + " token " + j);
        }
      }
    }
  }

  /**
   * Without gradients the network takes shortcuts (an embedding lookup instead of the one-hot
   * product, one fused call for the tied output layer); they must give the training path's values
   * bit for bit, or sampling and scoring would drift from what training optimises.
   */
  @Test
  void theInferenceShortcutsGiveTheTrainingPathsValuesExactly() {
    try (TransformerPolicy p = tiny(3)) {
      int[] tokens = TOK.encode("4821+0057=8784");
      float[] inference = p.logits(tokens);
      float[] training;
      Network m = p.model();
      try (ai.djl.training.GradientCollector gc = DjlEngine.newGradientCollector();
          ai.djl.ndarray.NDManager scope = m.manager.newSubManager()) {
        assertTrue(DjlEngine.recordsGradients());
        ai.djl.ndarray.NDArray x = scope.create(tokens, new ai.djl.ndarray.types.Shape(1, tokens.length));
        training = m.logits(m.hidden(scope, x, 0, null, null)).toFloatArray();
      }
      assertArrayEquals(training, inference, 0f);
    }
  }

  @Test
  void groupsDecodedTogetherDrawWhatEachPromptDrawsAlone() {
    try (TransformerPolicy p = tiny(5)) {
      SamplingConfig s = new SamplingConfig(1.0, 1.0, 10);
      // two prompt lengths, so two batches, with the groups interleaved in the request
      List<String> prompts = List.of("12+34=", "123+456=", "99+1=", "5-3=", "700-25=");
      long[] seeds = {11, 12, 13, 14, 15};
      List<List<Completion>> together = p.generateGroups(prompts, 4, s, seeds);
      assertEquals(prompts.size(), together.size());
      List<List<Completion>> again = p.generateGroups(prompts, 4, s, seeds);
      for (int i = 0; i < prompts.size(); i++) {
        List<Completion> alone = p.generate(prompts.get(i), 4, s, seeds[i]);
        assertEquals(4, together.get(i).size());
        List<Sequence> seqs = new ArrayList<>();
        for (int j = 0; j < 4; j++) {
          Completion c = together.get(i).get(j);
          assertArrayEquals(TOK.encode(prompts.get(i)), c.sequence().prompt(), "group " + i + " row " + j);
          assertArrayEquals(alone.get(j).sequence().completion(), c.sequence().completion(), "group " + i + " row " + j);
          assertArrayEquals(again.get(i).get(j).sequence().completion(), c.sequence().completion(), "deterministic");
          assertArrayEquals(again.get(i).get(j).logProbs(), c.logProbs(), "deterministic");
          seqs.add(c.sequence());
        }
        double[][] full = p.logProbs(seqs, 1.0);
        for (int j = 0; j < 4; j++) {
          double[] lp = together.get(i).get(j).logProbs();
          for (int k = 0; k < lp.length; k++) {
            assertEquals(full[j][k], lp[k], 1e-4, "group " + i + " row " + j + " token " + k);
          }
        }
      }
      assertThrows(IllegalArgumentException.class, () -> p.generateGroups(prompts, 4, s, new long[] {1, 2}));
    }
    // at most 4 rows per batch: one group at a time, the same completions
    try (TransformerPolicy p = TransformerPolicy.builder(TINY, TOK).seed(5).learningRate(1e-3).decodeRows(4).build();
        TransformerPolicy q = tiny(5)) {
      SamplingConfig s = new SamplingConfig(1.0, 1.0, 10);
      List<String> prompts = List.of("12+34=", "56+78=", "90+12=");
      long[] seeds = {3, 4, 5};
      List<List<Completion>> narrow = p.generateGroups(prompts, 4, s, seeds);
      List<List<Completion>> wide = q.generateGroups(prompts, 4, s, seeds);
      for (int i = 0; i < prompts.size(); i++) {
        for (int j = 0; j < 4; j++) {
          assertArrayEquals(wide.get(i).get(j).sequence().completion(), narrow.get(i).get(j).sequence().completion());
        }
      }
    }
  }

  @Test
  void saveLoadRoundTripReproducesLogitsExactly(@TempDir Path dir) throws IOException {
    int[] x = TOK.encode("77*3=231");
    try (TransformerPolicy a = tiny(3); TransformerPolicy b = tiny(4)) {
      a.supervisedStep(List.of(new Sequence(TOK.encode("77*3="), TOK.encode("231"))));
      a.save(dir);
      assertNotEquals(a.logits(x)[5], b.logits(x)[5]);
      b.load(dir);
      assertArrayEquals(a.logits(x), b.logits(x), 0f);
      assertEquals(TINY, TransformerPolicy.readConfig(dir));
      // a truncated checkpoint is named and leaves the weights alone
      byte[] bytes = Files.readAllBytes(dir.resolve("model.safetensors"));
      Files.write(dir.resolve("model.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length - 100));
      float[] before = b.logits(x);
      IOException e = assertThrows(IOException.class, () -> b.load(dir));
      assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
      assertArrayEquals(before, b.logits(x), 0f);
    }
  }

  @Test
  void memoryStaysFlatOverTrainingAndSampling() {
    try (TransformerPolicy p = tiny(5)) {
      List<Sequence> batch = List.of(new Sequence(TOK.encode("12+3="), TOK.encode("15")), new Sequence(TOK.encode("4+4="), TOK.encode("8")));
      p.supervisedStep(batch);
      p.generate("1+1=", 4, new SamplingConfig(1, 1, 4), 1);
      int baseline = p.liveArrayCount();
      for (int i = 0; i < 200; i++) {
        p.supervisedStep(batch);
        if (i % 20 == 0) {
          p.generate("1+1=", 4, new SamplingConfig(1, 1, 4), i);
        }
      }
      assertEquals(baseline, p.liveArrayCount(), "arrays held by the model manager after 200 steps");
    }
  }

  @Test
  void trainingIsBitReproducibleForASeed() {
    float[][] runs = new float[2][];
    for (int run = 0; run < 2; run++) {
      try (TransformerPolicy p = TransformerPolicy.builder(TransformerConfig.small(TOK.vocabSize(), 40), TOK).seed(9)
          .learningRate(1e-3).build()) {
        for (int step = 0; step < 40; step++) {
          List<Sequence> batch = new ArrayList<>();
          for (int i = 0; i < 64; i++) {
            String a = Integer.toString(1 + (step * 7919 + i * 104729) % 99999);
            String b = Integer.toString(1 + (step * 31 + i * 17) % 999);
            batch.add(new Sequence(TOK.encode(a + "+" + b + "="), TOK.encode(Long.toString(Long.parseLong(a) + Long.parseLong(b)))));
          }
          p.supervisedStep(batch);
          p.generate("12+3=", 4, new SamplingConfig(1, 1, 4), step);
        }
        runs[run] = p.logits(TOK.encode("4321+987=5308"));
      }
    }
    assertArrayEquals(runs[0], runs[1], 0f, "same seed, same data: same weights");
  }

  @Test
  void supervisedStepsLearnAFixedMapping() {
    try (TransformerPolicy p = tiny(6)) {
      List<Sequence> batch = List.of(new Sequence(TOK.encode("2+2="), TOK.encode("4")));
      double first = p.supervisedStep(batch);
      double last = first;
      for (int i = 0; i < 60; i++) {
        last = p.supervisedStep(batch);
      }
      assertTrue(last < first * 0.2, "NLL " + first + " -> " + last);
      assertEquals(61, p.version());
    }
  }

  @Test
  void aNonFiniteCoefficientIsRejectedWithoutAnUpdate() {
    try (TransformerPolicy p = tiny(7)) {
      int[] x = TOK.encode("5+5=10");
      float[] before = p.logits(x);
      List<Sequence> batch = List.of(new Sequence(TOK.encode("5+5="), TOK.encode("10")));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> p.train(batch, 1.0, lp -> new double[][] {{0.1, Double.NaN}}));
      assertTrue(e.getMessage().contains("token 1") && e.getMessage().contains("NaN"), e.getMessage());
      assertArrayEquals(before, p.logits(x), 0f);
      assertEquals(0, p.version());
      // and the next good step is unaffected by the rejected one's gradients
      p.supervisedStep(batch);
      assertEquals(1, p.version());
    }
  }

  /**
   * A NaN that reaches a parameter's gradient (not only the coefficients) is refused, and clearing
   * it is a real fill: NaN - NaN is NaN, so a subtraction would refuse every later step too.
   */
  @Test
  void aNaNGradientIsRefusedAndDoesNotStick() {
    for (int micro : new int[] {0, 1}) {
      java.util.concurrent.atomic.AtomicBoolean poison = new java.util.concurrent.atomic.AtomicBoolean(true);
      try (TransformerPolicy p = TransformerPolicy.builder(TINY, TOK).seed(7).learningRate(1e-3).microBatchSize(micro)
          .gradientProbe(params -> {
            if (poison.get()) {
              params.get(params.size() - 1).getGradient().addi(Float.NaN);
            }
          }).build()) {
        int[] x = TOK.encode("5+5=10");
        float[] before = p.logits(x);
        List<Sequence> batch = List.of(new Sequence(TOK.encode("5+5="), TOK.encode("10")), new Sequence(TOK.encode("2+2="), TOK.encode("4")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.supervisedStep(batch));
        assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("no update"), e.getMessage());
        assertArrayEquals(before, p.logits(x), 0f);
        assertEquals(0, p.version());
        poison.set(false);
        double first = p.supervisedStep(batch);
        double second = p.supervisedStep(batch);
        assertEquals(2, p.version());
        assertTrue(Double.isFinite(first) && second < first, "NLL " + first + " -> " + second);
      }
    }
  }
}

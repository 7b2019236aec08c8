package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.Sequence;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Models used from threads other than the one that started the engine: such threads record
 * gradients by default in libtorch, and independent models worked on in parallel threads must give
 * the numbers they give one after the other (hosts run arms, trainers or request handlers on pools).
 */
class ThreadsTest {
  private static final CharTokenizer TOK = CharTokenizer.arithmetic();

  private static <T> T onFreshThread(Callable<T> body) throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      return pool.submit(body).get();
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void inferenceOnAFreshThreadTurnsGradientRecordingOffAndRestoresIt() throws Exception {
    boolean[] seen = onFreshThread(() -> {
      boolean before = DjlEngine.recordsGradients();
      boolean inside;
      try (DjlEngine.NoGradient off = DjlEngine.noGradient()) {
        inside = DjlEngine.recordsGradients();
      }
      boolean after = DjlEngine.recordsGradients();
      try (TransformerPolicy p = TransformerPolicyTest.tiny(1)) {
        p.generate(TOK.encode("12+34="), 2, new SamplingConfig(1.0, 1.0, 4), 3);
        p.logProbs(List.of(new Sequence(TOK.encode("1+1="), TOK.encode("2"))), 1.0);
      }
      return new boolean[] {before, inside, after, DjlEngine.recordsGradients()};
    });
    assertTrue(seen[0], "precondition: a thread the JVM starts records gradients in libtorch");
    assertFalse(seen[1], "no recording inside noGradient()");
    assertTrue(seen[2], "the thread's own mode comes back when the scope closes");
    assertTrue(seen[3], "sampling and scoring leave the thread's mode as they found it");
    try (DjlEngine.NoGradient off = DjlEngine.noGradient()) {
      assertFalse(DjlEngine.recordsGradients());
    }
    assertFalse(DjlEngine.recordsGradients(), "the engine's starting thread does not record, and stays so");
  }

  /** A policy's and a teacher's work, as a benchmark arm does it: sample, score, train, predict. */
  private static List<Object> work(long seed) {
    List<Object> out = new ArrayList<>();
    SamplingConfig s = new SamplingConfig(1.0, 1.0, 6);
    try (TransformerPolicy p = TransformerPolicyTest.tiny(seed)) {
      for (int step = 0; step < 4; step++) {
        List<Sequence> batch = new ArrayList<>();
        for (Completion c : p.generate(TOK.encode((step + 12) + "+" + seed + "="), 4, s, seed * 10 + step)) {
          out.add(c.text());
          batch.add(new Sequence(c.sequence().prompt(), TOK.encode(Long.toString(step + 12 + seed))));
        }
        out.add(p.supervisedStep(batch));
      }
      for (double[] row : p.logProbs(List.of(new Sequence(TOK.encode("12+3="), TOK.encode("15"))), 1.0)) {
        out.add(row);
      }
    }
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      qs.add(new Question("q" + i, i + "+" + (i * 7 % 13) + "="));
    }
    QuestionPool pool = QuestionPool.of(qs);
    try (TransformerTeacher t = TransformerTeacher.builder(TransformerTeacherTest.ENCODER, TOK).seed(seed).build()) {
      int[] idx = new int[48];
      double[] y = new double[48];
      for (int i = 0; i < 48; i++) {
        idx[i] = i;
        y[i] = (i % 5) / 10.0;
      }
      t.train(pool, idx, y, 48, 2);
      double[] pred = new double[16];
      int[] unseen = new int[16];
      for (int i = 0; i < 16; i++) {
        unseen[i] = 48 + i;
      }
      t.predict(pool, unseen, 16, pred);
      out.add(pred);
    }
    return out;
  }

  @Test
  void modelsWorkedOnInParallelThreadsGiveTheNumbersTheyGiveOneAfterTheOther() throws Exception {
    long[] seeds = {1, 2, 3};
    List<List<Object>> alone = new ArrayList<>();
    for (long seed : seeds) {
      alone.add(work(seed));
    }
    ExecutorService pool = Executors.newFixedThreadPool(seeds.length);
    try {
      List<Future<List<Object>>> futures = new ArrayList<>();
      for (long seed : seeds) {
        futures.add(pool.submit(() -> work(seed)));
      }
      for (int i = 0; i < seeds.length; i++) {
        List<Object> a = alone.get(i);
        List<Object> b = futures.get(i).get();
        assertEquals(a.size(), b.size());
        for (int j = 0; j < a.size(); j++) {
          if (a.get(j) instanceof double[] x) {
            assertArrayEquals(x, (double[]) b.get(j), 0.0, "seed " + seeds[i] + ", item " + j);
          } else {
            assertEquals(a.get(j), b.get(j), "seed " + seeds[i] + ", item " + j);
          }
        }
      }
    } finally {
      pool.shutdown();
    }
  }
}

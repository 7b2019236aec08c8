package ai.goldilocks.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.FeedbackStatus;
import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.Selection;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Contract tests that any {@link Sampler} implementation can run: extend this class in a test and
 * implement {@link #create}. Learning samplers must be created in a deterministic (synchronous)
 * mode so that the restore test can compare choices exactly.
 */
public abstract class SamplerContract {

  /** A sampler over {@code pool} with rewards in [0, 1] and the given seed and stale-feedback lag. */
  protected abstract Sampler create(QuestionPool pool, long seed, long maxPolicyLag);

  /** A pool of {@code n} arithmetic-like questions of varied difficulty. */
  protected static QuestionPool pool(int n) {
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int digits = 1 + i % 6;
      long a = (long) Math.pow(10, digits - 1) + (i * 7919L) % (long) (9 * Math.pow(10, digits - 1));
      qs.add(new Question("q" + i, "What is " + a + " + " + (i * 31 % 97) + "?"));
    }
    return QuestionPool.of(qs);
  }

  /** Deterministic synthetic rewards for a question: success rate depends on its index. */
  protected static double[] rewards(Selection s, int round, int g) {
    double p = (s.poolIndex() % 7) / 6.0;
    double[] r = new double[g];
    long h = s.poolIndex() * 1_000_003L + round * 7_777L;
    for (int j = 0; j < g; j++) {
      h = h * 6364136223846793005L + 1442695040888963407L;
      r[j] = ((h >>> 11) * 0x1.0p-53) < p ? 1 : 0;
    }
    return r;
  }

  private static byte[] state(Sampler s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    s.saveState(out);
    return out.toByteArray();
  }

  @Test
  void batchesHaveNoDuplicates() {
    QuestionPool pool = pool(40);
    try (Sampler s = create(pool, 1, Long.MAX_VALUE)) {
      for (int round = 0; round < 20; round++) {
        int size = 1 + round * 2 % 40;
        List<Selection> batch = s.next(size);
        assertEquals(size, batch.size());
        Set<String> ids = new HashSet<>();
        for (Selection sel : batch) {
          assertTrue(ids.add(sel.question().id()), "duplicate " + sel.question().id() + " in batch of " + size);
          assertEquals(pool.get(sel.poolIndex()), sel.question());
        }
        for (Selection sel : batch) {
          s.feedback(new RolloutFeedback(sel.question().id(), rewards(sel, round, 4), round));
        }
      }
      List<Selection> all = s.next(40);
      assertEquals(40, new HashSet<>(all.stream().map(x -> x.question().id()).toList()).size());
      assertThrows(IllegalArgumentException.class, () -> s.next(41));
      assertThrows(IllegalArgumentException.class, () -> s.next(0));
    }
  }

  @Test
  void feedbackFromManyThreadsIsNotLost() throws Exception {
    QuestionPool pool = pool(500);
    try (Sampler s = create(pool, 2, Long.MAX_VALUE)) {
      ExecutorService ex = Executors.newFixedThreadPool(8);
      AtomicLong sent = new AtomicLong();
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        fs.add(ex.submit(() -> {
          for (int round = 0; round < 25; round++) {
            for (Selection sel : s.next(4)) {
              s.feedback(new RolloutFeedback(sel.question().id(), rewards(sel, round + thread, 8), round));
              sent.incrementAndGet();
            }
          }
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      ex.shutdown();
      var m = s.metrics();
      assertEquals(8 * 25 * 4, m.selections());
      assertEquals(sent.get(), m.feedbackAccepted() + m.duplicateFeedback() + m.staleFeedback());
      assertEquals(0, m.unsolicitedFeedback());
      // a question may be handed out to two threads at once; each hand-out gets one feedback, so none is a duplicate
      assertEquals(sent.get(), m.feedbackAccepted());
      assertEquals(sent.get(), m.picksPerBand().stream().mapToLong(Long::longValue).sum());
    }
  }

  @Test
  void restoreThenContinueEqualsNeverStopped() throws IOException {
    QuestionPool pool = pool(300);
    List<String> uninterrupted = new ArrayList<>();
    List<String> resumed = new ArrayList<>();
    try (Sampler a = create(pool, 3, Long.MAX_VALUE); Sampler b = create(pool, 3, Long.MAX_VALUE)) {
      for (int round = 0; round < 15; round++) {
        play(a, round, new ArrayList<>());
      }
      byte[] snapshot = state(a);
      for (int round = 15; round < 30; round++) {
        play(a, round, uninterrupted);
      }
      b.restoreState(new ByteArrayInputStream(snapshot));
      for (int round = 15; round < 30; round++) {
        play(b, round, resumed);
      }
      assertEquals(15 * 8, resumed.size());
      assertEquals(uninterrupted, resumed);
      assertEquals(a.metrics(), b.metrics());
      assertArrayEquals(state(a), state(b));
    }
  }

  private static void play(Sampler s, int round, List<String> log) {
    for (Selection sel : s.next(8)) {
      log.add(sel.question().id() + "@" + sel.predictedUtility());
      s.feedback(new RolloutFeedback(sel.question().id(), rewards(sel, round, 8), round));
    }
  }

  /**
   * Per-question state is keyed by pool index: a state saved over q0..q99 must not restore into the
   * same ids in another order, or into other ids, where it would land on the wrong questions.
   */
  @Test
  void stateRestoresOnlyIntoThePoolItWasSavedOver() throws IOException {
    QuestionPool pool = pool(100);
    List<Question> reversed = new ArrayList<>();
    List<Question> renamed = new ArrayList<>();
    for (int i = 99; i >= 0; i--) {
      reversed.add(pool.get(i));
    }
    for (int i = 0; i < 100; i++) {
      renamed.add(new Question("x" + i, pool.text(i)));
    }
    try (Sampler s = create(pool, 4, Long.MAX_VALUE)) {
      for (int round = 0; round < 3; round++) {
        play(s, round, new ArrayList<>());
      }
      byte[] saved = state(s);
      for (List<Question> other : List.of(reversed, renamed)) {
        try (Sampler t = create(QuestionPool.of(other), 4, Long.MAX_VALUE)) {
          byte[] before = state(t);
          IOException e = assertThrows(IOException.class, () -> t.restoreState(new ByteArrayInputStream(saved)));
          assertTrue(e.getMessage().contains("different pool"), e.getMessage());
          assertArrayEquals(before, state(t));
        }
      }
      try (Sampler same = create(pool(100), 4, Long.MAX_VALUE)) {
        same.restoreState(new ByteArrayInputStream(saved));
        assertArrayEquals(saved, state(same));
      }
    }
  }

  @Test
  void badFeedbackIsRejectedAndStateUnchanged() throws IOException {
    QuestionPool pool = pool(100);
    try (Sampler s = create(pool, 4, Long.MAX_VALUE)) {
      for (int round = 0; round < 5; round++) {
        play(s, round, new ArrayList<>());
      }
      Selection open = s.next(1).get(0);
      byte[] before = state(s);
      IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
          () -> s.feedback(new RolloutFeedback("no-such-question", new double[] {1, 0}, 5)));
      assertTrue(unknown.getMessage().contains("no-such-question"), unknown.getMessage());
      IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
          () -> s.feedback(new RolloutFeedback(open.question().id(), new double[] {1, 7}, 5)));
      assertTrue(range.getMessage().contains("reward[1] = 7.0"), range.getMessage());
      assertThrows(IllegalArgumentException.class,
          () -> new RolloutFeedback(open.question().id(), new double[] {1, Double.NaN}, 5));
      assertArrayEquals(before, state(s));

      // corrupt states are refused and change nothing
      byte[] flipped = before.clone();
      flipped[flipped.length / 2] ^= 0x5A;
      assertThrows(IOException.class, () -> s.restoreState(new ByteArrayInputStream(flipped)));
      byte[] truncated = java.util.Arrays.copyOf(before, before.length - 9);
      assertThrows(IOException.class, () -> s.restoreState(new ByteArrayInputStream(truncated)));
      assertThrows(IOException.class, () -> s.restoreState(new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})));
      assertArrayEquals(before, state(s));
    }
  }

  @Test
  void duplicateAndStaleFeedbackAreCountedAndIgnored() throws IOException {
    QuestionPool pool = pool(100);
    try (Sampler s = create(pool, 5, 2)) {
      List<Selection> batch = s.next(3);
      assertEquals(FeedbackStatus.ACCEPTED, s.feedback(new RolloutFeedback(batch.get(0).question().id(), new double[] {1, 0}, 10)));
      byte[] before = state(s);
      assertEquals(FeedbackStatus.IGNORED_DUPLICATE,
          s.feedback(new RolloutFeedback(batch.get(0).question().id(), new double[] {1, 0}, 10)));
      // version 7 lags the newest (10) by 3 > 2
      assertEquals(FeedbackStatus.IGNORED_STALE, s.feedback(new RolloutFeedback(batch.get(1).question().id(), new double[] {1, 0}, 7)));
      // version 8 lags by 2: accepted
      assertEquals(FeedbackStatus.ACCEPTED, s.feedback(new RolloutFeedback(batch.get(2).question().id(), new double[] {0, 0}, 8)));
      var m = s.metrics();
      assertEquals(2, m.feedbackAccepted());
      assertEquals(1, m.duplicateFeedback());
      assertEquals(1, m.staleFeedback());
      assertEquals(0.5, m.zeroVarianceFraction(), 0);
      assertTrue(before.length > 0);
    }
  }

  /** A sampler restores only a state saved with the same settings, and names every difference. */
  @Test
  void stateRestoresOnlyIntoTheSameSettings() throws IOException {
    QuestionPool pool = pool(100);
    try (Sampler s = create(pool, 4, Long.MAX_VALUE); Sampler other = create(pool, 5, 7)) {
      play(s, 0, new ArrayList<>());
      byte[] saved = state(s);
      byte[] before = state(other);
      IOException e = assertThrows(IOException.class, () -> other.restoreState(new ByteArrayInputStream(saved)));
      assertTrue(e.getMessage().contains("seed: state 4, this sampler 5"), e.getMessage());
      assertTrue(e.getMessage().contains("maxPolicyLag: state " + Long.MAX_VALUE + ", this sampler 7"), e.getMessage());
      assertArrayEquals(before, state(other));
    }
  }

  /** next and feedback after close throw, counting nothing; metrics and state stay readable. */
  @Test
  void nextAndFeedbackAfterCloseThrow() throws IOException {
    QuestionPool pool = pool(50);
    Sampler s = create(pool, 6, Long.MAX_VALUE);
    Selection open = s.next(2).get(0);
    s.close();
    var before = s.metrics();
    IllegalStateException next = assertThrows(IllegalStateException.class, () -> s.next(1));
    assertTrue(next.getMessage().contains("closed"), next.getMessage());
    IllegalStateException fb = assertThrows(IllegalStateException.class,
        () -> s.feedback(new RolloutFeedback(open.question().id(), new double[] {1, 0}, 0)));
    assertTrue(fb.getMessage().contains("closed"), fb.getMessage());
    assertEquals(before, s.metrics());
    assertTrue(state(s).length > 0);
    s.close(); // idempotent
  }

  /**
   * Feedback on a question the sampler never handed out has its own status and counter, apart from
   * duplicates, and teaches nothing.
   */
  @Test
  void feedbackOnAQuestionNeverHandedOutIsNotADuplicate() throws IOException {
    QuestionPool pool = pool(100);
    try (Sampler s = create(pool, 7, Long.MAX_VALUE)) {
      List<Selection> batch = s.next(3);
      Set<Integer> picked = new HashSet<>();
      batch.forEach(x -> picked.add(x.poolIndex()));
      int never = 0;
      while (picked.contains(never)) {
        never++;
      }
      byte[] before = state(s);
      assertEquals(FeedbackStatus.IGNORED_NOT_HANDED_OUT,
          s.feedback(new RolloutFeedback(pool.id(never), new double[] {1, 0}, 0)));
      assertEquals(FeedbackStatus.ACCEPTED, s.feedback(new RolloutFeedback(batch.get(0).question().id(), new double[] {1, 0}, 0)));
      assertEquals(FeedbackStatus.IGNORED_DUPLICATE,
          s.feedback(new RolloutFeedback(batch.get(0).question().id(), new double[] {1, 0}, 0)));
      var m = s.metrics();
      assertEquals(1, m.unsolicitedFeedback());
      assertEquals(1, m.duplicateFeedback());
      assertEquals(1, m.feedbackAccepted());
      assertTrue(before.length > 0);
    }
  }
}

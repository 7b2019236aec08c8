package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The teacher's two copies of its weights: predictions go on while an update brings the training
 * copy up to date, and closing waits for work in flight and frees the native memory. Threads meet
 * at latches; the time-outs only keep a broken build from hanging.
 */
class TeacherLifecycleTest {
  private static final int N = 24;
  private static QuestionPool pool;
  private static int[] idx;
  private static double[] y;
  private static ExecutorService threads;

  @BeforeAll
  static void questions() {
    List<Question> qs = new ArrayList<>();
    idx = new int[N];
    y = new double[N];
    for (int i = 0; i < N; i++) {
      qs.add(new Question("q" + i, (i * 53) + "+" + (i % 7) + "="));
      idx[i] = i;
      y[i] = 0.02 * i;
    }
    pool = QuestionPool.of(qs);
    threads = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "teacher-lifecycle-test");
      t.setDaemon(true);
      return t;
    });
  }

  @AfterAll
  static void stop() {
    threads.shutdownNow();
  }

  private static double[] predict(TransformerTeacher t) {
    double[] out = new double[N];
    t.predict(pool, idx, N, out);
    return out;
  }

  @Test
  void selectionProceedsWhileAnUpdateCopiesTheWeights() throws Exception {
    AtomicBoolean armed = new AtomicBoolean();
    CountDownLatch copying = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (TransformerTeacher t = TransformerTeacher.builder(TransformerTeacherTest.ENCODER, TransformerTeacherTest.TOK).seed(4)
        .learningRate(3e-3).copyProbe(() -> {
          if (armed.get()) {
            copying.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }).build()) {
      t.train(pool, idx, y, N, 1);
      double[] published = predict(t);
      armed.set(true);
      Future<?> update = threads.submit(() -> t.train(pool, idx, y, N, 1));
      assertTrue(copying.await(120, TimeUnit.SECONDS), "the second update copies the published weights first");
      // the update is parked inside its weight copy: a prediction still answers, from the published weights
      Future<double[]> during = threads.submit(() -> predict(t));
      try {
        assertArrayEquals(published, during.get(120, TimeUnit.SECONDS), 0.0);
      } finally {
        release.countDown();
      }
      update.get(120, TimeUnit.SECONDS);
      double[] after = predict(t);
      boolean moved = false;
      for (int i = 0; i < N; i++) {
        moved |= after[i] != published[i];
      }
      assertTrue(moved, "the update is served once it is published");
    }
  }

  @Test
  void closeWaitsForAnUpdateInFlightThenFreesTheNativeMemory() throws Exception {
    AtomicBoolean armed = new AtomicBoolean();
    CountDownLatch training = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TransformerTeacher t = TransformerTeacher.builder(TransformerTeacherTest.ENCODER, TransformerTeacherTest.TOK).seed(5)
        .learningRate(3e-3).gradientProbe(params -> {
          if (armed.getAndSet(false)) {
            training.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }).build();
    t.train(pool, idx, y, N, 1);
    predict(t);
    assertTrue(t.holdsNativeMemory());
    armed.set(true);
    Future<?> update = threads.submit(() -> t.train(pool, idx, y, N, 1));
    assertTrue(training.await(120, TimeUnit.SECONDS));
    Thread closer = new Thread(t::close, "closer");
    closer.start();
    // close() is parked behind the update: it has not freed the arrays the update is using
    while (closer.getState() != Thread.State.BLOCKED && closer.getState() != Thread.State.WAITING) {
      assertTrue(closer.isAlive(), "close() returned while an update was running");
      Thread.onSpinWait();
    }
    assertTrue(t.holdsNativeMemory());
    release.countDown();
    update.get(120, TimeUnit.SECONDS); // the update finished normally on live arrays
    closer.join(120_000);
    assertFalse(closer.isAlive());
    assertFalse(t.holdsNativeMemory(), "close() frees both copies of the weights and the optimizer's moments");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> predict(t));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> t.train(pool, idx, y, N, 1));
    t.close(); // idempotent
  }
}

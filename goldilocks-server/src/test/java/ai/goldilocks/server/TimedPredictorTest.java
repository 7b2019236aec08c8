package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.io.DataInput;
import java.io.DataOutput;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The server's timing wrapper hides nothing of the teacher it wraps. */
class TimedPredictorTest {

  /** A teacher that knows each question's success rate (its index / 1000) and counts its closes. */
  static final class Recording implements UtilityPredictor {
    final AtomicInteger closes = new AtomicInteger();

    @Override
    public String name() {
      return "recording";
    }

    @Override
    public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
      for (int i = 0; i < count; i++) {
        double p = candidates[i] / 1000.0;
        out[i] = Math.sqrt(p * (1 - p));
      }
    }

    @Override
    public void predictSuccessRate(QuestionPool pool, int[] candidates, int count, double[] out) {
      for (int i = 0; i < count; i++) {
        out[i] = candidates[i] / 1000.0;
      }
    }

    @Override
    public void train(QuestionPool pool, TrainingExamples examples, int epochs) {}

    @Override
    public void writeState(DataOutput out) {}

    @Override
    public void readState(DataInput in) {}

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  @Test
  void successRatesAndCloseReachTheTeacher() {
    Recording r = new Recording();
    TimedPredictor t = new TimedPredictor(r);
    double[] p = new double[2];
    t.predictSuccessRate(TeacherServerTest.pool(10), new int[] {3, 250}, 2, p);
    assertArrayEquals(new double[] {0.003, 0.25}, p);
    t.close();
    assertEquals(1, r.closes.get());
  }

  @Test
  void closingTheServerClosesItsTeacher() throws Exception {
    Recording r = new Recording();
    try (TeacherServer s = DurabilityTest.start(TeacherServer.builder().pool(TeacherServerTest.pool(50)).groupSize(4)
        .teacher(pool -> r))) {
      assertEquals(4, TeacherServerTest.ids(DurabilityTest.picks(s, 0, 4).json()).size());
      assertEquals(0, r.closes.get());
    }
    assertEquals(1, r.closes.get(), "the teacher's native memory (a DJL teacher's) is freed with the server");
  }
}

package ai.goldilocks.core.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.FeedbackStatus;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.testing.SamplerContract;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * States written by format 4 (main at db76197, before typed configurations) and format 5 (main at
 * fed080c, before a due teacher update was stored; Goldilocks only) still restore, and the restored
 * sampler picks exactly what the old code picked after saving them. The fixtures were made by the
 * old code: a sampler over the contract's pool of 120 questions, seed 3, ten rounds of eight
 * picks with feedback, three more picks left outstanding, then the state; the {@code .next.txt}
 * file lists the six rounds of picks that followed ("id@predicted utility").
 */
class PreviousStateFormatTest {
  /** Reaches the contract's pool and rewards (for the other tests of this package too). */
  abstract static class Fixtures extends SamplerContract {
    static QuestionPool contractPool(int n) {
      return pool(n);
    }

    static double[] contractRewards(Selection s, int round, int g) {
      return rewards(s, round, g);
    }
  }

  static Sampler make(String kind, QuestionPool pool) {
    return switch (kind) {
      case "goldilocks" -> GoldilocksSampler.builder(pool).seed(3).predictor(new FixtureTeacher(pool.size()))
          .updateEvery(16).window(64).updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build();
      case "beta-thompson" -> BetaThompsonSampler.builder(pool).seed(3).build();
      default -> UniformSampler.builder(pool).seed(3).build();
    };
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = PreviousStateFormatTest.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing test resource " + name);
      }
      return in.readAllBytes();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"v4-goldilocks", "v4-beta-thompson", "v4-uniform", "v5-goldilocks"})
  void aStateOfAnOlderFormatRestoresAndPicksWhatTheOldCodePicked(String fixture) throws IOException {
    String kind = fixture.substring(3);
    byte[] state = resource("state-" + fixture + ".bin");
    assertEquals(fixture.charAt(1) - '0', java.nio.ByteBuffer.wrap(state, 4, 4).getInt(), "the fixture's format");
    List<String> expected = new ArrayList<>(Arrays.asList(
        new String(resource("state-" + fixture + ".next.txt"), StandardCharsets.UTF_8).split("\n")));
    String oldMetrics = expected.remove(expected.size() - 1);
    QuestionPool pool = Fixtures.contractPool(120);
    try (Sampler s = make(kind, pool)) {
      s.restoreState(new ByteArrayInputStream(state));
      assertEquals(131 - 6 * 8, s.metrics().selections(), "the counters came back");
      List<String> log = new ArrayList<>();
      for (int round = 10; round < 16; round++) {
        for (Selection sel : s.next(8)) {
          log.add(sel.question().id() + "@" + sel.predictedUtility());
          assertEquals(FeedbackStatus.ACCEPTED, s.feedback(new RolloutFeedback(sel.question().id(), Fixtures.contractRewards(sel, round, 8), round)));
        }
      }
      assertEquals(expected, log);
      var m = s.metrics();
      assertTrue(oldMetrics.contains("feedbackAccepted=" + m.feedbackAccepted() + ","), oldMetrics);
      assertTrue(oldMetrics.contains("teacherUpdates=" + m.teacherUpdates() + ","), oldMetrics);
      assertTrue(oldMetrics.contains("picksPerBand=" + m.picksPerBand()), oldMetrics);
      // and it saves in the current format, which restores to the same state
      ByteArrayOutputStream now = new ByteArrayOutputStream();
      s.saveState(now);
      assertEquals(SamplerState.VERSION, java.nio.ByteBuffer.wrap(now.toByteArray(), 4, 4).getInt());
      try (Sampler t = make(kind, pool)) {
        t.restoreState(new ByteArrayInputStream(now.toByteArray()));
        assertEquals(m, t.metrics());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 7})
  void versionsOutsideTheReadRangeAreRefusedNamingThem(int version) throws IOException {
    byte[] state = resource("state-v4-uniform.bin");
    java.nio.ByteBuffer.wrap(state, 4, 4).putInt(version);
    try (Sampler s = make("uniform", Fixtures.contractPool(120))) {
      IOException e = assertThrows(IOException.class, () -> s.restoreState(new ByteArrayInputStream(state)));
      assertTrue(e.getMessage().contains("format version " + version) && e.getMessage().contains("4 to 6"), e.getMessage());
    }
  }
}

package ai.goldilocks.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.sampler.UniformSampler;
import ai.goldilocks.core.spi.UtilityPredictor;
import ai.goldilocks.djl.HfTokenizer;
import ai.goldilocks.examples.snippets.CheckpointFamily;
import ai.goldilocks.examples.snippets.PretrainedStudent;
import ai.goldilocks.examples.snippets.SamplerLoop;
import ai.goldilocks.examples.snippets.SamplerParameters;
import ai.goldilocks.examples.snippets.Teachers;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.StepMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the docs' snippets (examples/.../snippets) on tiny pools and a tiny random Qwen2 checkpoint. */
class SnippetsRunTest {
  @TempDir
  static Path shared;
  static Path checkpoint;

  @BeforeAll
  static void writeCheckpoint() throws Exception {
    checkpoint = RandomCheckpointCommand.write(Files.createDirectories(shared.resolve("tiny")), RandomCheckpointCommand.TINY, 3, false);
  }

  private static List<Question> questions(int n) {
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      qs.add(new Question("q" + i, "What is " + (i * 7 % 100) + " + " + i + "?"));
    }
    return qs;
  }

  @Test
  void theSamplerLoopRollsOutWhatTheSamplerHandsOut() {
    List<Question> qs = questions(200);
    Set<String> ids = new HashSet<>();
    qs.forEach(q -> ids.add(q.id()));
    List<String> rolled = new ArrayList<>();
    List<Long> updates = new ArrayList<>();
    Random rnd = new Random(1);
    new SamplerLoop() {
      @Override
      protected double[] yourRollouts(Question question, int g) {
        rolled.add(question.id());
        double[] r = new double[g];
        for (int i = 0; i < g; i++) {
          r[i] = rnd.nextInt(2);
        }
        return r;
      }

      @Override
      protected void yourPolicyUpdate(long step) {
        updates.add(step);
      }
    }.train(qs, 3);
    assertEquals(3 * 32, rolled.size());
    assertTrue(ids.containsAll(rolled), "only pool questions are handed out");
    assertEquals(List.of(0L, 1L, 2L), updates);
  }

  @Test
  void theParametersSnippetBuildsTheDefaultSampler() throws Exception {
    QuestionPool pool = QuestionPool.of(questions(50));
    try (GoldilocksSampler written = SamplerParameters.withDefaults(pool, Teachers.teacher("features", pool, null, null, 0));
        GoldilocksSampler plain = GoldilocksSampler.builder(pool).build()) {
      // every setting written out at its default gives the sampler the builder gives by default
      assertEquals(plain.toString(), written.toString());
    }
  }

  @Test
  void everyTeacherOfTheTeachersPageBuildsAndPredicts() throws Exception {
    QuestionPool pool = QuestionPool.of(questions(20));
    try (HfTokenizer tok = HfTokenizer.fromCheckpoint(checkpoint)) {
      for (String name : List.of("features", "features-arithmetic", "nd4j", "djl", "lm")) {
        UtilityPredictor t = Teachers.teacher(name, pool, checkpoint, tok, 1);
        try {
          double[] out = new double[4];
          t.predict(pool, new int[] {0, 1, 2, 3}, 4, out);
          for (double u : out) {
            assertTrue(u >= 0 && u <= 0.5, name + " predicted " + u);
          }
        } finally {
          t.close();
        }
      }
    }
  }

  @Test
  void theCheckpointSnippetPicksWithTheLmTeacherAndSamplesAGroup() throws Exception {
    List<Completion> group = CheckpointFamily.sample(checkpoint, QuestionPool.of(questions(20)), 4, 7);
    assertEquals(8, group.size());
    for (Completion c : group) {
      assertTrue(c.sequence().completion().length >= 1 && c.sequence().completion().length <= 4);
    }
  }

  @Test
  void thePretrainedStudentSnippetTrainsASteps() throws Exception {
    try (UniformSampler sampler = UniformSampler.builder(QuestionPool.of(questions(20))).seed(1).build()) {
      List<StepMetrics> ms = PretrainedStudent.train(checkpoint, sampler, (q, c) -> c.text().isEmpty() ? 0.0 : 1.0, 2, 2, 4, 1);
      assertEquals(1, ms.size());
      assertEquals(4, ms.get(0).rolloutsSpent());
    }
  }
}

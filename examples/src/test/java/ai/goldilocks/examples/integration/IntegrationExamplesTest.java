package ai.goldilocks.examples.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.SamplerMetrics;
import ai.goldilocks.grpo.StepMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the three examples that docs/integrating.md is built on. */
class IntegrationExamplesTest {

  @Test
  void samplerOnlyInYourOwnLoop() throws Exception {
    SamplerMetrics m = SamplerOnlyExample.run(40);
    assertEquals(40 * 32, m.selections());
    assertEquals(40 * 32, m.feedbackAccepted());
    assertTrue(m.teacherUpdates() > 0);
  }

  @Test
  void yourOwnPolicyTrainedByGrpoTrainer() throws Exception {
    StepMetrics last = CustomPolicyExample.run(80);
    // the table policy learns one-digit sums: most rollouts are right by the end
    assertTrue(last.rewardMean() > 0.5, "final reward " + last.rewardMean());
  }

  @Test
  void djlPolicyEndToEnd(@TempDir Path dir) throws Exception {
    List<StepMetrics> ms = DjlEndToEndExample.run(3, dir);
    assertEquals(3, ms.size());
    assertEquals(3, Files.readAllLines(dir.resolve("metrics.jsonl")).size());
    assertTrue(Files.isRegularFile(dir.resolve("checkpoints/step-000000003/MANIFEST.sha256")));
    // a second call resumes from the checkpoint of step 3 and runs steps 4 and 5 only
    List<StepMetrics> more = DjlEndToEndExample.run(5, dir);
    assertEquals(List.of(4L, 5L), more.stream().map(StepMetrics::step).toList());
    assertEquals(5, Files.readAllLines(dir.resolve("metrics.jsonl")).size());
  }
}

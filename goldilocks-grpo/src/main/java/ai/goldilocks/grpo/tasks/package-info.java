/**
 * The benchmark's task suite: reversed-answer addition and subtraction ({@link
 * ai.goldilocks.grpo.tasks.ArithmeticTasks} generates {@link ai.goldilocks.grpo.tasks.ArithmeticTask}s)
 * and its exact reward, {@link ai.goldilocks.grpo.tasks.ReversedAnswerReward}.
 */
package ai.goldilocks.grpo.tasks;

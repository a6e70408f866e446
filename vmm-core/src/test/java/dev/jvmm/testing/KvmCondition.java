package dev.jvmm.testing;

import dev.jvmm.core.host.HostReport;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Evaluates {@link KvmTest}: the host probe once per run, the requirement per class. */
final class KvmCondition implements ExecutionCondition {
    static final String REQUIRE_PROPERTY = "jvmm.requireKvm";
    private static volatile HostReport host;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<KvmTest> annotation = AnnotationSupport.findAnnotation(context.getElement(), KvmTest.class);
        if (annotation.isEmpty()) {
            return ConditionEvaluationResult.enabled("not a KVM test");
        }
        if (Boolean.getBoolean(REQUIRE_PROPERTY)) {
            return ConditionEvaluationResult.enabled(REQUIRE_PROPERTY + " is set: KVM tests must run");
        }
        HostReport report = probe();
        if (!report.usable()) {
            return ConditionEvaluationResult.disabled("needs a usable /dev/kvm: " + report.kvmProblem().orElse("")
                    + " (bin/kvm-tests runs these tests inside a nested-KVM guest)");
        }
        if (annotation.get().hardwareVirtualization() && report.hardwareVirtualization().isEmpty()) {
            return ConditionEvaluationResult.disabled("needs hardware virtualization (vmx or svm in /proc/cpuinfo):"
                    + " without it KVM emulates guest ring 0 and a stock kernel stops in early boot");
        }
        return ConditionEvaluationResult.enabled("KVM is usable");
    }

    private static HostReport probe() {
        HostReport r = host;
        if (r == null) {
            r = HostReport.probe();
            host = r;
        }
        return r;
    }
}

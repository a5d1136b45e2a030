/** jxen's commands: {@code jxen-run} (one VM in the foreground), the {@code xl} command table, {@code jxend}'s main, and the provisioning commands (xen-create-image, xen-list-images, xen-delete-image, pygrub). */
module org.jxen.cli {
    requires org.jxen.vmm;
    requires org.jxen.toolstack;
    requires org.jxen.provision;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires jdk.unsupported;
    opens org.jxen.cli.run to info.picocli;
    exports org.jxen.cli.run;
    exports org.jxen.cli.xl;
    exports org.jxen.cli.jxend;
    opens org.jxen.cli.jxend to info.picocli;
    exports org.jxen.cli.provision;
    opens org.jxen.cli.provision to info.picocli;
    provides java.lang.System.LoggerFinder with org.jxen.cli.run.StderrLoggerFinder;
}

package org.callscheduler;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Starts the application, after one setting that only a JVM system property can make. Quarkus's outermost
 * HTTP handler checks every request URI with java.net.URI and answers one it rejects (such as "%zz" in the
 * path or query) with an empty 400, before any route or filter; this property, read when that handler is
 * built, turns the check off, so that the request reaches the router and gets the API's JSON 400 instead
 * (org.callscheduler.call.HttpErrorRoutes). Tests set it in the pom (surefire), as they do not start here.
 */
@QuarkusMain
public class CallSchedulerMain {

    static final String DISABLE_URI_VALIDATION = "vertx.disableURIValidation";

    public static void main(String... args) {
        System.setProperty(DISABLE_URI_VALIDATION, "true");
        Quarkus.run(args);
    }
}

package org.callscheduler.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.ws.rs.NameBinding;

/**
 * Marks the page's resources: every unsafe request to them (POST, PUT, PATCH, DELETE) must carry the CSRF
 * token, see {@link CsrfTokenRequiredFilter}.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
public @interface CsrfChecked {
}

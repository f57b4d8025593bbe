<?cs # Pieces the domain admin pages share: the line naming the domain
     worked on, the notice after a change, a form's message, the fields
     every POST form carries (the CSRF token and the domain). ?>
<?cs def:domain_bar() ?>
  <p class="domainbar" id="domain"><?cs var:Lang.domainadmin.domain ?>: <strong id="domain-name"><?cs var:Domain.Name ?></strong><?cs if:Domain.Status != "active" ?> (<?cs var:Lang.domainadmin.status[Domain.Status] ?>)<?cs /if ?><?cs if:Domain.Package ?> · <?cs var:Lang.domainadmin.package ?>: <?cs var:Domain.Package ?><?cs /if ?><?cs if:Page.Several ?> · <a href="<?cs var:Page.Base ?>/"><?cs var:Lang.domainadmin.change_domain ?></a><?cs /if ?></p>
<?cs /def ?>
<?cs def:notice() ?>
<?cs if:Page.Done ?>
  <p class="notice" id="notice" role="status"><?cs var:Lang.domainadmin.done[Page.Done] ?></p>
<?cs /if ?>
<?cs /def ?>
<?cs def:form_error(form) ?>
<?cs if:Page.FormError && Page.FormErrorAt == form ?>
  <p class="error" id="form-error" role="alert"><?cs
  if:Page.FormError == "limit_users" ?><?cs var:Lang.domainadmin.err.limit_users ?> <?cs var:Limit.Max ?> <?cs var:Lang.domainadmin.err.limit_users_2 ?> <?cs var:Limit.Current ?> <?cs var:Lang.domainadmin.err.limit_users_3 ?><?cs
  elif:Page.FormError == "limit_user_quota" ?><?cs var:Lang.domainadmin.err.limit_user_quota ?> <?cs var:Limit.Max ?> <?cs var:Lang.domainadmin.err.limit_user_quota_2 ?><?cs
  elif:Page.FormError == "limit_quota" ?><?cs var:Lang.domainadmin.err.limit_quota ?> <?cs var:Limit.Max ?> <?cs var:Lang.domainadmin.err.limit_quota_2 ?> <?cs var:Limit.Current ?> <?cs var:Lang.domainadmin.err.limit_quota_3 ?><?cs
  elif:Page.FormError == "password_short" ?><?cs var:Lang.domainadmin.err.password_short ?> <?cs var:Domain.PasswordMin ?> <?cs var:Lang.domainadmin.err.password_short_2 ?><?cs
  elif:Lang.domainadmin.settings.pwerr[Page.FormError] ?><?cs var:Lang.domainadmin.settings.pwerr[Page.FormError] ?><?cs
  elif:Form.Bad ?><?cs var:Lang.domainadmin.err[Page.FormError] ?> <strong><?cs var:Form.Bad ?></strong><?cs
  else ?><?cs var:Lang.domainadmin.err[Page.FormError] ?><?cs /if ?></p>
<?cs /if ?>
<?cs /def ?>
<?cs def:password_needs() ?><?cs if:subcount(Domain.PasswordNeeds) > 0 ?> <span id="password-needs"><?cs var:Lang.domainadmin.settings.needs ?><?cs each:n = Domain.PasswordNeeds ?> <?cs var:Lang.domainadmin.settings.classes[name(n)] ?><?cs if:!last(n) ?>,<?cs /if ?><?cs /each ?>.</span><?cs /if ?><?cs /def ?>
<?cs def:post_fields() ?><input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <input type="hidden" name="d" value="<?cs var:Domain.Name ?>"><?cs /def ?>

<?cs # A domain's settings: defaults for its users, the largest message,
     the password policy, and the SSO secret (only whether it is set). ?>
<?cs include:"macros.cs" ?>
<?cs set:Page.Title = Lang.domainadmin.settings.title ?>
<?cs set:Page.Nav = "domain_settings" ?>
<?cs include:"header.cs" ?>
<?cs def:field_error(field) ?><?cs if:Errors[field] ?>
      <span class="error" id="err-<?cs var:field ?>" role="alert"><?cs var:Lang.domainadmin.settings.err[Errors[field]] ?><?cs
      if:Errors[field] == "quota_limit" ?> <?cs var:Limit.UserQuota ?>.<?cs
      elif:Errors[field] == "quota_total" ?> <?cs var:Limit.Total ?>.<?cs
      elif:Errors[field] == "size_limit" ?> <?cs var:Limit.MaxSize ?>.<?cs
      elif:Errors[field] == "pw_min_bad" ?> <?cs var:Limit.PwMin ?>–<?cs var:Limit.PwMax ?>.<?cs /if ?></span><?cs
/if ?><?cs /def ?>
<section class="home manage-folders" id="settings-page">
<?cs call:domain_bar() ?>
<?cs if:Settings.Done ?>
  <p class="notice" id="notice" role="status"><?cs var:Lang.domainadmin.settings.done[Settings.Done] ?></p>
<?cs /if ?>
  <h1><?cs var:Lang.domainadmin.settings.title ?></h1>
<?cs if:subcount(Errors) > 0 && !Errors.sso ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.domainadmin.settings.not_saved ?></p>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/settings" class="create" id="settings-form">
    <?cs call:post_fields() ?>
    <h2><?cs var:Lang.domainadmin.settings.defaults ?></h2>
    <p class="hint"><?cs var:Lang.domainadmin.settings.defaults_note ?></p>
    <label><?cs var:Lang.domainadmin.settings.language ?>
      <select name="language" id="language">
        <option value=""><?cs var:Lang.domainadmin.settings.language_auto ?></option>
<?cs each:l = Languages ?>        <option value="<?cs var:l.Code ?>"<?cs if:Form.Language == l.Code ?> selected<?cs /if ?>><?cs var:l.Name ?></option>
<?cs /each ?>
      </select></label><?cs call:field_error("language") ?>
    <label><?cs var:Lang.domainadmin.settings.skin ?>
      <select name="skin" id="skin">
        <option value=""><?cs var:Lang.domainadmin.settings.skin_system ?></option>
<?cs each:s = Skins ?>        <option value="<?cs var:s ?>"<?cs if:Form.Skin == s ?> selected<?cs /if ?>><?cs var:s ?></option>
<?cs /each ?>
      </select></label><?cs call:field_error("skin") ?>
    <label><?cs var:Lang.domainadmin.settings.spam_level ?> <input type="number" name="spam_level" id="spam_level" min="0" max="<?cs var:Limit.SpamMax ?>" required value="<?cs var:Form.SpamLevel ?>"></label><?cs call:field_error("spam_level") ?>
    <p class="hint"><?cs var:Lang.domainadmin.settings.spam_note ?></p>
    <label><?cs var:Lang.domainadmin.settings.quota_mb ?> <input type="number" name="quota" id="quota" min="0"<?cs if:Limit.UserQuotaMb ?> max="<?cs var:Limit.UserQuotaMb ?>"<?cs /if ?> value="<?cs var:Form.Quota ?>" placeholder="<?cs var:Lang.domainadmin.settings.from_package ?>"></label><?cs call:field_error("quota") ?>
<?cs if:Limit.UserQuota ?>
    <p class="hint" id="limit-user-quota"><?cs var:Lang.domainadmin.settings.package_user_quota ?> <?cs var:Limit.UserQuota ?>.</p>
<?cs /if ?>

    <h2><?cs var:Lang.domainadmin.settings.messages ?></h2>
    <label><?cs var:Lang.domainadmin.settings.max_size_mb ?> <input type="number" name="max_size" id="max_size" min="0"<?cs if:Limit.MaxSizeMb ?> max="<?cs var:Limit.MaxSizeMb ?>"<?cs /if ?> value="<?cs var:Form.MaxSize ?>" placeholder="<?cs var:Lang.domainadmin.settings.from_system ?>"></label><?cs call:field_error("max_size") ?>
<?cs if:Limit.MaxSize ?>
    <p class="hint" id="limit-max-size"><?cs var:Lang.domainadmin.settings.system_max_size ?> <?cs var:Limit.MaxSize ?>.</p>
<?cs /if ?>

    <h2><?cs var:Lang.domainadmin.settings.password_policy ?></h2>
    <label><?cs var:Lang.domainadmin.settings.pw_min ?> <input type="number" name="pw_min" id="pw_min" min="<?cs var:Limit.PwMin ?>" max="<?cs var:Limit.PwMax ?>" value="<?cs var:Form.PwMin ?>" placeholder="<?cs var:Limit.PwMin ?>"></label><?cs call:field_error("pw_min") ?>
    <fieldset id="pw-classes">
      <legend><?cs var:Lang.domainadmin.settings.pw_classes ?></legend>
      <label><input type="checkbox" name="pw_lower" value="1"<?cs if:Form.PwLower ?> checked<?cs /if ?>> <?cs var:Lang.domainadmin.settings.classes.lower ?></label>
      <label><input type="checkbox" name="pw_upper" value="1"<?cs if:Form.PwUpper ?> checked<?cs /if ?>> <?cs var:Lang.domainadmin.settings.classes.upper ?></label>
      <label><input type="checkbox" name="pw_digit" value="1"<?cs if:Form.PwDigit ?> checked<?cs /if ?>> <?cs var:Lang.domainadmin.settings.classes.digit ?></label>
      <label><input type="checkbox" name="pw_symbol" value="1"<?cs if:Form.PwSymbol ?> checked<?cs /if ?>> <?cs var:Lang.domainadmin.settings.classes.symbol ?></label>
    </fieldset>
    <p class="hint"><?cs var:Lang.domainadmin.settings.pw_note ?></p>
    <button type="submit"><?cs var:Lang.domainadmin.save ?></button>
  </form>

  <h2 id="sso"><?cs var:Lang.domainadmin.settings.sso ?></h2>
  <p class="hint"><?cs var:Lang.domainadmin.settings.sso_note ?></p>
  <p id="sso-status" data-set="<?cs if:Sso.SetAt ?>1<?cs else ?>0<?cs /if ?>"><?cs if:Sso.SetAt ?><?cs var:Lang.domainadmin.settings.sso_set ?> <strong><?cs var:Sso.SetAt ?></strong><?cs else ?><?cs var:Lang.domainadmin.settings.sso_none ?><?cs /if ?></p>
<?cs if:Errors.sso ?>
  <p class="error" id="err-sso" role="alert"><?cs var:Lang.domainadmin.settings.err[Errors.sso] ?></p>
<?cs /if ?>
<?cs if:Sso.SetAt ?>
  <form method="post" action="<?cs var:Page.Base ?>/settings/sso" class="create" id="sso-rotate">
    <?cs call:post_fields() ?>
    <input type="hidden" name="op" value="rotate">
    <label><input type="checkbox" name="confirm" value="1" required> <?cs var:Lang.domainadmin.settings.sso_rotate_confirm ?></label>
    <button type="submit"><?cs var:Lang.domainadmin.settings.sso_rotate ?></button>
  </form>
  <form method="post" action="<?cs var:Page.Base ?>/settings/sso" class="create" id="sso-remove">
    <?cs call:post_fields() ?>
    <input type="hidden" name="op" value="remove">
    <label><input type="checkbox" name="confirm" value="1" required> <?cs var:Lang.domainadmin.settings.sso_remove_confirm ?></label>
    <button type="submit" class="danger"><?cs var:Lang.domainadmin.settings.sso_remove ?></button>
  </form>
<?cs else ?>
  <form method="post" action="<?cs var:Page.Base ?>/settings/sso" class="create" id="sso-generate">
    <?cs call:post_fields() ?>
    <input type="hidden" name="op" value="generate">
    <button type="submit"><?cs var:Lang.domainadmin.settings.sso_generate ?></button>
  </form>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>

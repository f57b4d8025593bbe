<?cs # Adding a user. ?>
<?cs include:"macros.cs" ?>
<?cs set:Page.Title = Lang.domainadmin.user.add_title ?>
<?cs set:Page.Nav = "users" ?>
<?cs include:"header.cs" ?>
<section class="home manage-folders" id="user-new">
<?cs call:domain_bar() ?>
  <p class="back"><a href="<?cs var:Page.Base ?>/users?d=<?cs var:Domain.Enc ?>"><?cs var:Lang.domainadmin.users.back ?></a></p>
  <h1><?cs var:Lang.domainadmin.user.add_title ?></h1>
<?cs call:form_error("user") ?>
  <form method="post" action="<?cs var:Page.Base ?>/users/new" class="create" id="user-form">
    <?cs call:post_fields() ?>
    <label><?cs var:Lang.domainadmin.user.address ?> <input name="local" required maxlength="254" autocomplete="off" value="<?cs var:Form.Local ?>"> @<?cs var:Domain.Name ?></label>
    <label><?cs var:Lang.domainadmin.user.name ?> <input name="name" maxlength="200" value="<?cs var:Form.Name ?>"></label>
    <label><input type="checkbox" name="generate" value="1"<?cs if:Form.Generate ?> checked<?cs /if ?>> <?cs var:Lang.domainadmin.user.generate ?></label>
    <label><?cs var:Lang.domainadmin.user.password ?> <input type="password" name="password" maxlength="1024" autocomplete="new-password"></label>
    <label><?cs var:Lang.domainadmin.user.quota_mb ?> <input type="number" name="quota" min="0" value="<?cs var:Form.Quota ?>" placeholder="<?cs var:Lang.domainadmin.user.quota_default ?>"></label>
    <label><?cs var:Lang.domainadmin.user.package ?>
      <select name="package">
        <option value=""><?cs var:Lang.domainadmin.user.package_default ?></option>
<?cs each:p = Packages ?>        <option value="<?cs var:p.Id ?>"<?cs if:p.Selected ?> selected<?cs /if ?>><?cs var:p.Name ?></option>
<?cs /each ?>
      </select></label>
    <label><?cs var:Lang.domainadmin.user.status ?>
      <select name="status">
        <option value="active"<?cs if:Form.Status == "active" ?> selected<?cs /if ?>><?cs var:Lang.domainadmin.status.active ?></option>
        <option value="disabled"<?cs if:Form.Status == "disabled" ?> selected<?cs /if ?>><?cs var:Lang.domainadmin.status.disabled ?></option>
      </select></label>
    <button type="submit"><?cs var:Lang.domainadmin.user.create ?></button>
  </form>
  <p class="hint" id="password-hint"><?cs var:Lang.domainadmin.user.password_hint ?> <?cs var:Domain.PasswordMin ?> <?cs var:Lang.domainadmin.user.password_hint_2 ?><?cs call:password_needs() ?></p>
</section>
<?cs include:"footer.cs" ?>

<?cs # One user: details, status, password, aliases, forwarding, delete. ?>
<?cs include:"macros.cs" ?>
<?cs set:Page.Title = User.Address ?>
<?cs set:Page.Nav = "users" ?>
<?cs include:"header.cs" ?>
<section class="home manage-folders" id="user-page" data-id="<?cs var:User.Id ?>">
<?cs call:domain_bar() ?>
<?cs call:notice() ?>
  <p class="back"><a href="<?cs var:Page.Base ?>/users?d=<?cs var:Domain.Enc ?>"><?cs var:Lang.domainadmin.users.back ?></a></p>
  <h1><?cs var:Lang.domainadmin.user.title ?></h1>
  <div class="message">
  <dl class="headers" id="user-facts">
    <dt><?cs var:Lang.domainadmin.user.address ?></dt><dd id="user-address"><?cs var:User.Address ?></dd>
    <dt><?cs var:Lang.domainadmin.user.status ?></dt><dd id="user-status" data-status="<?cs if:User.Deleted ?>deleted<?cs else ?><?cs var:User.Status ?><?cs /if ?>"><?cs if:User.Deleted ?><?cs var:Lang.domainadmin.status.deleted ?><?cs else ?><?cs var:Lang.domainadmin.status[User.Status] ?><?cs /if ?></dd>
    <dt><?cs var:Lang.domainadmin.user.quota ?></dt><dd id="user-quota"><?cs if:User.Quota ?><?cs var:User.Quota ?><?cs else ?><?cs var:Lang.domainadmin.unlimited ?><?cs /if ?></dd>
    <dt><?cs var:Lang.domainadmin.user.used ?></dt><dd id="user-used"><?cs var:User.Used ?></dd>
    <dt><?cs var:Lang.domainadmin.user.created ?></dt><dd><?cs var:User.Created ?></dd>
    <dt><?cs var:Lang.domainadmin.user.last_login ?></dt><dd><?cs if:User.LastLogin ?><?cs var:User.LastLogin ?><?cs else ?><?cs var:Lang.domainadmin.user.never ?><?cs /if ?></dd>
    <dt><?cs var:Lang.domainadmin.user.password_changed ?></dt><dd><?cs var:User.PasswordChanged ?></dd>
<?cs if:User.Deleted ?>
    <dt><?cs var:Lang.domainadmin.user.purge_after ?></dt><dd id="purge-after"><?cs var:User.PurgeAfter ?></dd>
<?cs /if ?>
  </dl>
  </div>
<?cs if:User.Deleted ?>
  <p id="deleted-note"><?cs var:Lang.domainadmin.user.deleted_note ?></p>
  <p><a class="danger" id="purge-link" href="<?cs var:Page.Base ?>/users/delete?d=<?cs var:Domain.Enc ?>&amp;id=<?cs var:User.Id ?>"><?cs var:Lang.domainadmin.delete.purge_now ?></a></p>
<?cs else ?>
  <h2><?cs var:Lang.domainadmin.user.details ?></h2>
<?cs call:form_error("details") ?>
  <form method="post" action="<?cs var:Page.Base ?>/users/edit" class="create" id="details-form">
    <?cs call:post_fields() ?>
    <input type="hidden" name="id" value="<?cs var:User.Id ?>">
    <label><?cs var:Lang.domainadmin.user.name ?> <input name="name" maxlength="200" value="<?cs var:Form.Name ?>"></label>
    <label><?cs var:Lang.domainadmin.user.quota_mb ?> <input type="number" name="quota" min="0" value="<?cs var:Form.Quota ?>" placeholder="<?cs var:Lang.domainadmin.user.quota_default ?>"></label>
    <label><?cs var:Lang.domainadmin.user.package ?>
      <select name="package">
        <option value=""><?cs var:Lang.domainadmin.user.package_default ?></option>
<?cs each:p = Packages ?>        <option value="<?cs var:p.Id ?>"<?cs if:p.Selected ?> selected<?cs /if ?>><?cs var:p.Name ?></option>
<?cs /each ?>
      </select></label>
    <button type="submit"><?cs var:Lang.domainadmin.save ?></button>
  </form>

  <h2><?cs var:Lang.domainadmin.user.status ?></h2>
  <form method="post" action="<?cs var:Page.Base ?>/users/status" class="create" id="status-form">
    <?cs call:post_fields() ?>
    <input type="hidden" name="id" value="<?cs var:User.Id ?>">
<?cs if:User.Status == "active" ?>
    <input type="hidden" name="status" value="disabled">
    <span><?cs var:Lang.domainadmin.user.disable_note ?></span>
    <button type="submit" class="danger"><?cs var:Lang.domainadmin.user.disable ?></button>
<?cs else ?>
    <input type="hidden" name="status" value="active">
    <button type="submit"><?cs var:Lang.domainadmin.user.enable ?></button>
<?cs /if ?>
  </form>

  <h2><?cs var:Lang.domainadmin.user.password ?></h2>
<?cs call:form_error("password") ?>
  <form method="post" action="<?cs var:Page.Base ?>/users/password" class="create" id="password-form">
    <?cs call:post_fields() ?>
    <input type="hidden" name="id" value="<?cs var:User.Id ?>">
    <label><?cs var:Lang.domainadmin.user.new_password ?> <input type="password" name="password" maxlength="1024" autocomplete="new-password"></label>
    <button type="submit"><?cs var:Lang.domainadmin.user.set_password ?></button>
    <button type="submit" name="generate" value="1"><?cs var:Lang.domainadmin.user.generate_password ?></button>
  </form>
  <p class="hint"><?cs var:Lang.domainadmin.user.password_hint ?> <?cs var:Domain.PasswordMin ?> <?cs var:Lang.domainadmin.user.password_hint_2 ?><?cs call:password_needs() ?> <?cs var:Lang.domainadmin.user.sessions_end ?></p>

  <h2><?cs var:Lang.domainadmin.user.aliases ?></h2>
<?cs call:form_error("alias") ?>
<?cs if:subcount(Aliases) > 0 ?>
  <table class="messages" id="user-aliases">
    <tbody>
<?cs each:a = Aliases ?>
    <tr data-id="<?cs var:a.Id ?>">
      <td class="subject" title="<?cs var:a.Address ?>"><?cs var:a.Address ?></td>
      <td class="date">
        <form method="post" action="<?cs var:Page.Base ?>/aliases/delete" class="rename">
          <?cs call:post_fields() ?>
          <input type="hidden" name="id" value="<?cs var:a.Id ?>">
          <input type="hidden" name="back" value="<?cs var:User.Id ?>">
          <button type="submit" class="danger"><?cs var:Lang.domainadmin.remove ?></button>
        </form>
      </td>
    </tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs else ?>
  <p id="no-aliases"><?cs var:Lang.domainadmin.user.no_aliases ?></p>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/aliases/new" class="create" id="alias-form">
    <?cs call:post_fields() ?>
    <input type="hidden" name="kind" value="alias">
    <input type="hidden" name="id" value="<?cs var:User.Id ?>">
    <label><?cs var:Lang.domainadmin.user.new_alias ?> <input name="local" maxlength="254" autocomplete="off" value="<?cs var:Form.Local ?>"> @<?cs var:Domain.Name ?></label>
    <button type="submit"><?cs var:Lang.domainadmin.add ?></button>
  </form>

  <h2><?cs var:Lang.domainadmin.user.forwarding ?></h2>
<?cs call:form_error("forward") ?>
<?cs if:subcount(Forwards) > 0 ?>
  <table class="messages" id="forwards">
    <tbody>
<?cs each:f = Forwards ?>
    <tr data-id="<?cs var:f.Id ?>">
      <td class="subject" title="<?cs var:f.Target ?>"><?cs var:f.Target ?></td>
      <td class="date">
        <form method="post" action="<?cs var:Page.Base ?>/users/forwards" class="rename">
          <?cs call:post_fields() ?>
          <input type="hidden" name="id" value="<?cs var:User.Id ?>">
          <input type="hidden" name="op" value="delete">
          <input type="hidden" name="fid" value="<?cs var:f.Id ?>">
          <button type="submit" class="danger"><?cs var:Lang.domainadmin.remove ?></button>
        </form>
      </td>
    </tr>
<?cs /each ?>
    </tbody>
  </table>
  <form method="post" action="<?cs var:Page.Base ?>/users/forwards" class="create" id="keep-form">
    <?cs call:post_fields() ?>
    <input type="hidden" name="id" value="<?cs var:User.Id ?>">
    <input type="hidden" name="op" value="keep_copy">
    <label><input type="checkbox" name="keep_copy" value="1"<?cs if:User.KeepCopy ?> checked<?cs /if ?>> <?cs var:Lang.domainadmin.user.keep_copy ?></label>
    <button type="submit"><?cs var:Lang.domainadmin.save ?></button>
  </form>
<?cs else ?>
  <p id="no-forwards"><?cs var:Lang.domainadmin.user.no_forwards ?></p>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/users/forwards" class="create" id="forward-form">
    <?cs call:post_fields() ?>
    <input type="hidden" name="id" value="<?cs var:User.Id ?>">
    <input type="hidden" name="op" value="add">
    <label><?cs var:Lang.domainadmin.user.forward_to ?> <input type="email" name="target" maxlength="254" value="<?cs var:Form.Target ?>"></label>
<?cs if:subcount(Forwards) == 0 ?>
    <label><input type="checkbox" name="keep_copy" value="1" checked> <?cs var:Lang.domainadmin.user.keep_copy ?></label>
<?cs /if ?>
    <button type="submit"><?cs var:Lang.domainadmin.add ?></button>
  </form>

  <h2><?cs var:Lang.domainadmin.delete.title ?></h2>
  <p><a class="danger" id="delete-link" href="<?cs var:Page.Base ?>/users/delete?d=<?cs var:Domain.Enc ?>&amp;id=<?cs var:User.Id ?>"><?cs var:Lang.domainadmin.delete.link ?></a></p>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>

<?cs # POP fetch: the user's accounts on other POP3 servers, how each
     one's last run went, and the form to add or edit one. The stored
     password is never here: the edit form leaves it empty. ?>
<?cs set:Page.Title = Lang.popfetch.title ?>
<?cs set:Page.Nav = "settings" ?>
<?cs include:"header.cs" ?>
<section class="popfetch">
  <h1><?cs var:Lang.popfetch.title ?></h1>
  <p class="hint"><?cs var:Lang.popfetch.intro ?></p>
<?cs if:Page.FormError ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.popfetch.error[Page.FormError] ?></p>
<?cs /if ?>
<?cs if:Confirm.Id ?>
  <form method="post" action="<?cs var:Page.Base ?>/settings/pop" class="confirm" id="confirm-delete">
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <input type="hidden" name="op" value="delete">
    <input type="hidden" name="id" value="<?cs var:Confirm.Id ?>">
    <p><?cs var:Lang.popfetch.confirm_delete ?> <strong><?cs var:Confirm.Username ?> @ <?cs var:Confirm.Host ?></strong></p>
    <button type="submit" class="danger"><?cs var:Lang.popfetch.delete ?></button>
    <a href="<?cs var:Page.Base ?>/settings/pop"><?cs var:Lang.popfetch.cancel ?></a>
  </form>
<?cs /if ?>
<?cs if:Page.Accounts > 0 ?>
  <table class="list" id="pop-table">
    <thead><tr>
      <th><?cs var:Lang.popfetch.account ?></th>
      <th><?cs var:Lang.popfetch.folder ?></th>
      <th><?cs var:Lang.popfetch.interval ?></th>
      <th><?cs var:Lang.popfetch.last_run ?></th>
      <th><?cs var:Lang.popfetch.counts ?></th>
      <th></th>
    </tr></thead>
    <tbody>
<?cs each:a = Accounts ?>
    <tr data-account="<?cs var:a.Id ?>"<?cs if:!a.Enabled ?> class="disabled"<?cs /if ?>>
      <td class="account"><?cs var:a.Username ?> @ <?cs var:a.Host ?>:<?cs var:a.Port ?>
        <span class="tls"><?cs var:Lang.popfetch.tls_mode[a.Tls] ?></span>
        <?cs if:a.Keep ?><span class="keep"><?cs var:Lang.popfetch.keep_short ?></span><?cs else ?><span class="keep"><?cs var:Lang.popfetch.delete_short ?></span><?cs /if ?>
        <?cs if:!a.Enabled ?><span class="state"><?cs var:Lang.popfetch.disabled ?></span><?cs /if ?></td>
      <td class="folder"><?cs if:a.FolderSpecial ?><?cs var:Lang.folder[a.FolderSpecial] ?><?cs else ?><?cs var:a.Folder ?><?cs /if ?></td>
      <td class="num"><?cs var:a.Interval ?> <?cs var:Lang.popfetch.minutes ?></td>
      <td class="last-run">
<?cs if:a.LastRun ?>        <span class="when"><?cs var:a.LastRun ?></span>
<?cs if:a.LastError ?>        <span class="result error"><?cs var:Lang.popfetch.failed ?><?cs if:a.LastErrorWhat ?> (<?cs var:Lang.popfetch.what[a.LastErrorWhat] ?>)<?cs /if ?>:</span>
        <span class="last-error"><?cs var:a.LastError ?></span>
<?cs else ?>        <span class="result ok"><?cs var:Lang.popfetch.ok ?></span>
<?cs /if ?>
<?cs else ?>        <span class="when"><?cs var:Lang.popfetch.never ?></span>
<?cs /if ?>
<?cs if:a.Running ?>        <span class="state"><?cs var:Lang.popfetch.running ?></span>
<?cs elif:a.Due ?>        <span class="state"><?cs var:Lang.popfetch.due ?></span>
<?cs /if ?>
      </td>
      <td class="num counts"><span class="last-count" title="<?cs var:Lang.popfetch.last_count ?>"><?cs var:a.LastCount ?></span><?cs if:a.LastPending > 0 ?> (+<span class="pending" title="<?cs var:Lang.popfetch.pending ?>"><?cs var:a.LastPending ?></span>)<?cs /if ?> / <span class="total-count" title="<?cs var:Lang.popfetch.total_count ?>"><?cs var:a.TotalCount ?></span></td>
      <td class="actions">
        <form method="post" action="<?cs var:Page.Base ?>/settings/pop" class="fetch-now">
          <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
          <input type="hidden" name="op" value="fetch">
          <input type="hidden" name="id" value="<?cs var:a.Id ?>">
          <button type="submit"<?cs if:!a.Enabled ?> disabled<?cs /if ?>><?cs var:Lang.popfetch.fetch_now ?></button>
        </form>
        <a href="<?cs var:Page.Base ?>/settings/pop?edit=<?cs var:a.Id ?>"><?cs var:Lang.popfetch.edit ?></a>
        <a class="danger" href="<?cs var:Page.Base ?>/settings/pop?delete=<?cs var:a.Id ?>"><?cs var:Lang.popfetch.delete ?></a>
      </td>
    </tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs else ?>
  <p class="empty" id="pop-empty"><?cs var:Lang.popfetch.none ?></p>
<?cs /if ?>

  <form method="post" action="<?cs var:Page.Base ?>/settings/pop" class="pop-account" id="pop-form">
    <h2><?cs if:Form.Id ?><?cs var:Lang.popfetch.edit_title ?><?cs else ?><?cs var:Lang.popfetch.add_title ?><?cs /if ?></h2>
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
<?cs if:Form.Id ?>
    <input type="hidden" name="op" value="edit">
    <input type="hidden" name="id" value="<?cs var:Form.Id ?>">
<?cs else ?>
    <input type="hidden" name="op" value="add">
<?cs /if ?>
    <label><?cs var:Lang.popfetch.host ?> <input name="host" maxlength="253" required value="<?cs var:Form.Host ?>"<?cs if:Page.FormError == "host" ?> aria-invalid="true"<?cs /if ?>></label>
    <label><?cs var:Lang.popfetch.tls ?>
      <select name="tls">
<?cs each:m = Lang.popfetch.tls_mode ?>        <option value="<?cs name:m ?>"<?cs if:Form.Tls == name(m) ?> selected<?cs /if ?>><?cs var:m ?></option>
<?cs /each ?>
      </select></label>
    <label><?cs var:Lang.popfetch.port ?> <input name="port" inputmode="numeric" maxlength="5" value="<?cs var:Form.Port ?>"<?cs if:Page.FormError == "port" ?> aria-invalid="true"<?cs /if ?>></label>
    <label><?cs var:Lang.popfetch.username ?> <input name="username" maxlength="255" required autocomplete="off" value="<?cs var:Form.Username ?>"<?cs if:Page.FormError == "username" ?> aria-invalid="true"<?cs /if ?>></label>
    <label><?cs var:Lang.popfetch.password ?> <input type="password" name="password" maxlength="255" autocomplete="new-password" value=""<?cs if:!Form.Id ?> required<?cs /if ?>>
<?cs if:Form.Id ?>      <span class="hint"><?cs var:Lang.popfetch.password_unchanged ?></span>
<?cs /if ?></label>
    <label><?cs var:Lang.popfetch.folder ?>
      <select name="folder">
<?cs each:fo = Folders ?>        <option value="<?cs var:fo.Id ?>"<?cs if:Form.Folder == fo.Id || (!Form.Folder && fo.Special == "inbox") ?> selected<?cs /if ?>><?cs if:fo.Special ?><?cs var:Lang.folder[fo.Special] ?><?cs else ?><?cs var:fo.Name ?><?cs /if ?></option>
<?cs /each ?>
      </select></label>
    <label><?cs var:Lang.popfetch.interval ?> <input name="interval" inputmode="numeric" maxlength="5" value="<?cs var:Form.Interval ?>"> <?cs var:Lang.popfetch.minutes ?></label>
    <label class="check"><input type="checkbox" name="keep" value="1"<?cs if:Form.Keep ?> checked<?cs /if ?>> <?cs var:Lang.popfetch.keep ?></label>
    <label class="check"><input type="checkbox" name="enabled" value="1"<?cs if:Form.Enabled ?> checked<?cs /if ?>> <?cs var:Lang.popfetch.enabled ?></label>
    <button type="submit"><?cs if:Form.Id ?><?cs var:Lang.popfetch.save ?><?cs else ?><?cs var:Lang.popfetch.add ?><?cs /if ?></button>
<?cs if:Form.Id ?>    <a href="<?cs var:Page.Base ?>/settings/pop"><?cs var:Lang.popfetch.cancel ?></a>
<?cs /if ?>
  </form>
</section>
<?cs include:"footer.cs" ?>

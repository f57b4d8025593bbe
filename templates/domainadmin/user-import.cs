<?cs # Importing users from a CSV file: the upload form, the preview (the
     users to be created and the bad rows by line), why a confirmation
     was refused, and the users created with the passwords made up for
     them, shown this once. ?>
<?cs include:"macros.cs" ?>
<?cs if:Import.Step == "preview" ?><?cs set:Page.Title = Lang.domainadmin.import.preview ?><?cs
elif:Import.Step == "done" ?><?cs set:Page.Title = Lang.domainadmin.import.done_title ?><?cs
else ?><?cs set:Page.Title = Lang.domainadmin.import.title ?><?cs /if ?>
<?cs set:Page.Nav = "users" ?>
<?cs include:"header.cs" ?>
<?cs def:limit_users(id) ?>
  <p class="error" id="<?cs var:id ?>" role="alert"><?cs var:Lang.domainadmin.import.err.limit_users ?> <?cs var:Limit.Max ?> <?cs var:Lang.domainadmin.import.err.limit_users_2 ?> <?cs var:Limit.Current ?> <?cs var:Lang.domainadmin.import.err.limit_users_3 ?> <?cs var:Limit.Adding ?> <?cs var:Lang.domainadmin.import.err.limit_users_4 ?><?cs if:id == "form-error" ?> <?cs var:Lang.domainadmin.import.err.nothing_created ?><?cs /if ?></p>
<?cs /def ?>
<?cs def:import_error() ?>
<?cs if:Page.FormError && Page.FormErrorAt == "import" ?>
<?cs if:Page.FormError == "import_limit_users" ?>
<?cs call:limit_users("form-error") ?>
<?cs elif:Lang.domainadmin.import.err[Page.FormError] ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.domainadmin.import.err[Page.FormError] ?></p>
<?cs else ?>
<?cs if:Import.ErrorLine ?>
  <p class="error" id="error-line"><?cs var:Lang.domainadmin.import.line_prefix ?> <span id="error-line-number"><?cs var:Import.ErrorLine ?></span><?cs var:Lang.domainadmin.import.line_suffix ?> <?cs var:Lang.domainadmin.import.err.nothing_created ?></p>
<?cs /if ?>
<?cs call:form_error("import") ?>
<?cs /if ?>
<?cs /if ?>
<?cs /def ?>
<?cs def:reason(b) ?><?cs
if:b.Key == "password_short" ?><?cs var:Lang.domainadmin.err.password_short ?> <?cs var:Domain.PasswordMin ?> <?cs var:Lang.domainadmin.err.password_short_2 ?><?cs
elif:Lang.domainadmin.settings.pwerr[b.Key] ?><?cs var:Lang.domainadmin.settings.pwerr[b.Key] ?><?cs
elif:b.Key == "duplicate" ?><?cs var:Lang.domainadmin.import.err.duplicate ?> <?cs var:b.Other ?><?cs
elif:b.Key == "quota_over" ?><?cs var:Lang.domainadmin.import.err.quota_over ?> <?cs var:Limit.UserQuota ?><?cs
elif:Lang.domainadmin.import.err[b.Key] ?><?cs var:Lang.domainadmin.import.err[b.Key] ?><?cs
elif:b.Key ?><?cs var:Lang.domainadmin.err[b.Key] ?><?cs
else ?><?cs var:Lang.domainadmin.import.unreadable ?> (<?cs var:b.Text ?>)<?cs /if ?><?cs
if:b.Key && b.Bad ?> <strong><?cs var:b.Bad ?></strong><?cs /if ?><?cs /def ?>
<?cs def:confirm_forms() ?>
  <form method="post" action="<?cs var:Page.Base ?>/users/import" class="create" id="import-confirm">
    <?cs call:post_fields() ?>
    <input type="hidden" name="import" value="<?cs var:Import.Id ?>">
    <input type="hidden" name="op" value="confirm">
    <button type="submit"><?cs var:Lang.domainadmin.import.confirm ?></button>
  </form>
  <form method="post" action="<?cs var:Page.Base ?>/users/import" class="create" id="import-cancel">
    <?cs call:post_fields() ?>
    <input type="hidden" name="import" value="<?cs var:Import.Id ?>">
    <input type="hidden" name="op" value="cancel">
    <button type="submit"><?cs var:Lang.domainadmin.import.cancel ?></button>
  </form>
<?cs /def ?>
<section class="home manage-folders" id="user-import">
<?cs call:domain_bar() ?>
  <p class="back"><a href="<?cs var:Page.Base ?>/users?d=<?cs var:Domain.Enc ?>"><?cs var:Lang.domainadmin.import.back ?></a></p>
<?cs if:Import.Step == "preview" ?>
  <h1><?cs var:Lang.domainadmin.import.preview ?></h1>
  <p id="import-summary"><?cs var:Import.Filename ?> · <?cs var:Import.Charset ?></p>
  <p><?cs var:Lang.domainadmin.import.count ?> <strong id="import-count"><?cs var:Import.Count ?></strong><?cs if:Import.Generated > 0 ?> (<?cs var:Lang.domainadmin.import.generated_count ?> <span id="import-generated"><?cs var:Import.Generated ?></span>)<?cs /if ?> · <?cs var:Lang.domainadmin.import.bad_count ?> <strong id="import-bad-count"><?cs var:Import.BadCount ?></strong></p>
<?cs if:Import.Warning == "import_limit_users" ?>
<?cs call:limit_users("import-warning") ?>
<?cs /if ?>
<?cs if:Import.BadCount > 0 ?>
  <h2><?cs var:Lang.domainadmin.import.bad_rows ?></h2>
  <table class="messages" id="import-bad">
    <thead><tr><th class="size"><?cs var:Lang.domainadmin.import.line ?></th><th class="subject"><?cs var:Lang.domainadmin.import.problem ?></th></tr></thead>
    <tbody>
<?cs each:b = Import.Bad ?>
      <tr data-line="<?cs var:b.Line ?>" data-key="<?cs var:b.Key ?>">
        <td class="size"><?cs var:b.Line ?></td>
        <td class="subject"><?cs call:reason(b) ?></td>
      </tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs if:Import.BadMore > 0 ?>  <p class="hint"><?cs var:Lang.domainadmin.import.more ?> <?cs var:Import.BadMore ?></p><?cs /if ?>
<?cs /if ?>
<?cs if:Import.Count > 0 ?>
  <h2><?cs var:Lang.domainadmin.import.will_add ?></h2>
  <table class="messages" id="import-rows">
    <thead><tr>
      <th class="size"><?cs var:Lang.domainadmin.import.line ?></th>
      <th class="subject"><?cs var:Lang.domainadmin.import.address ?></th>
      <th class="from"><?cs var:Lang.domainadmin.import.name ?></th>
      <th class="date"><?cs var:Lang.domainadmin.import.quota ?></th>
      <th class="date"><?cs var:Lang.domainadmin.import.status ?></th>
      <th class="from"><?cs var:Lang.domainadmin.import.package ?></th>
      <th class="date"><?cs var:Lang.domainadmin.import.password ?></th>
    </tr></thead>
    <tbody>
<?cs each:r = Import.Rows ?>
      <tr data-line="<?cs var:r.Line ?>" data-address="<?cs var:r.Address ?>">
        <td class="size"><?cs var:r.Line ?></td>
        <td class="subject"><?cs var:r.Address ?></td>
        <td class="from"><?cs var:r.Name ?></td>
        <td class="date"><?cs if:r.Quota ?><?cs var:r.Quota ?><?cs else ?><?cs var:Lang.domainadmin.import.quota_default ?><?cs /if ?></td>
        <td class="date"><?cs var:Lang.domainadmin.status[r.Status] ?></td>
        <td class="from"><?cs if:r.Package ?><?cs var:r.Package ?><?cs else ?><?cs var:Lang.domainadmin.import.package_default ?><?cs /if ?></td>
        <td class="date"><?cs if:r.Password == "given" ?><?cs var:Lang.domainadmin.import.password_given ?><?cs else ?><?cs var:Lang.domainadmin.import.password_generated ?><?cs /if ?></td>
      </tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs if:Import.More > 0 ?>  <p class="hint"><?cs var:Lang.domainadmin.import.more ?> <?cs var:Import.More ?></p><?cs /if ?>
<?cs call:confirm_forms() ?>
<?cs else ?>
  <p class="empty" id="import-nothing"><?cs var:Lang.domainadmin.import.nothing ?></p>
<?cs /if ?>
<?cs elif:Import.Step == "refused" ?>
  <h1><?cs var:Lang.domainadmin.import.title ?></h1>
<?cs call:import_error() ?>
<?cs call:confirm_forms() ?>
<?cs elif:Import.Step == "done" ?>
  <h1><?cs var:Lang.domainadmin.import.done_title ?></h1>
  <p><?cs var:Lang.domainadmin.import.done ?> <strong id="import-count"><?cs var:Import.Count ?></strong></p>
  <p class="notice"><?cs var:Lang.domainadmin.import.generated_note ?></p>
  <table class="messages" id="created">
    <thead><tr>
      <th class="subject"><?cs var:Lang.domainadmin.import.address ?></th>
      <th class="from"><?cs var:Lang.domainadmin.import.password ?></th>
    </tr></thead>
    <tbody>
<?cs each:u = Created ?>
      <tr data-address="<?cs var:u.Address ?>">
        <td class="subject"><a href="<?cs var:Page.Base ?>/users/edit?d=<?cs var:Domain.Enc ?>&amp;id=<?cs var:u.Id ?>"><?cs var:u.Address ?></a></td>
        <td class="from"><?cs if:u.Password ?><code class="generated-password"><?cs var:u.Password ?></code><?cs else ?><?cs var:Lang.domainadmin.import.password_given ?><?cs /if ?></td>
      </tr>
<?cs /each ?>
    </tbody>
  </table>
  <p><a href="<?cs var:Import.PasswordsCsv ?>" download="passwords-<?cs var:Domain.Name ?>.csv" id="passwords-csv"><?cs var:Lang.domainadmin.import.download ?></a></p>
  <p><a href="<?cs var:Page.Base ?>/users?d=<?cs var:Domain.Enc ?>" id="continue"><?cs var:Lang.domainadmin.import.back ?></a></p>
<?cs else ?>
  <h1><?cs var:Lang.domainadmin.import.title ?></h1>
  <p><?cs var:Lang.domainadmin.import.note ?></p>
  <p><?cs var:Lang.domainadmin.import.note_local ?></p>
  <p><?cs var:Lang.domainadmin.import.note_password ?> <?cs var:Lang.domainadmin.user.password_hint ?> <?cs var:Domain.PasswordMin ?> <?cs var:Lang.domainadmin.user.password_hint_2 ?><?cs call:password_needs() ?></p>
  <p class="hint"><?cs var:Lang.domainadmin.import.note_max ?> <?cs var:Import.RowsMax ?></p>
<?cs call:import_error() ?>
  <form method="post" action="<?cs var:Page.Base ?>/users/import" enctype="multipart/form-data" class="create" id="user-import-form">
    <?cs call:post_fields() ?>
    <label><?cs var:Lang.domainadmin.import.file ?> <input type="file" name="file" accept=".csv,text/csv" required></label>
    <button type="submit"><?cs var:Lang.domainadmin.import.button ?></button>
  </form>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>

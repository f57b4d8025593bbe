<?cs # Pieces the address book pages share: the notice after a change, a
     form's message, the fields of an entry. ?>
<?cs def:ab_notice() ?>
<?cs if:Page.AbDone ?>
  <p class="notice" id="notice" role="status"><?cs var:Lang.addressbook.done[Page.AbDone] ?></p>
<?cs /if ?>
<?cs /def ?>
<?cs def:ab_error(form) ?>
<?cs if:Page.FormError && Page.FormErrorAt == form ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.addressbook.err[Page.FormError] ?><?cs if:Form.Bad ?> <strong><?cs var:Form.Bad ?></strong><?cs /if ?></p>
<?cs /if ?>
<?cs /def ?>
<?cs def:ab_fields() ?>
    <label><?cs var:Lang.addressbook.name ?> <input name="name" maxlength="200" value="<?cs var:Form.name ?>"></label>
    <label><?cs var:Lang.addressbook.emails ?> <textarea name="emails" rows="2" cols="30"><?cs var:Form.emails ?></textarea></label>
    <label><?cs var:Lang.addressbook.phones ?> <textarea name="phones" rows="2" cols="20"><?cs var:Form.phones ?></textarea></label>
    <label><?cs var:Lang.addressbook.company ?> <input name="company" maxlength="200" value="<?cs var:Form.company ?>"></label>
    <label><?cs var:Lang.addressbook.department ?> <input name="department" maxlength="200" value="<?cs var:Form.department ?>"></label>
    <label><?cs var:Lang.addressbook.job_title ?> <input name="title" maxlength="200" value="<?cs var:Form.title ?>"></label>
    <label><?cs var:Lang.addressbook.notes ?> <textarea name="notes" rows="3" cols="30"><?cs var:Form.notes ?></textarea></label>
<?cs /def ?>
